// One phase of the handler-floor bench (./handler-floor.bench.ts), run in a fresh `node` process as a
// Lambda sandbox holds one function: `node floor-driver.mjs <handler bundle> <events.json> <warm-up> <concurrency>`.
// Imports the bundle, answers the first <warm-up> events untimed (clients, secrets, JIT), then the
// rest timed; prints one JSON line: calls/s and this process's CPU per call over the timed calls only.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number }>;

const [file = '', eventsFile = '', warm = '0', inFlight = '1'] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile, 'utf8')) as unknown[];
const { handler } = (await import(pathToFileURL(file).href)) as { handler: Handler };

/** Each event through `handler`, `inFlight` at a time; the calls that did not answer 200. */
async function run(list: unknown[]): Promise<number> {
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: Number(inFlight) }, async () => {
      while (next < list.length) if ((await handler(list[next++], {})).statusCode !== 200) failed++;
    }),
  );
  return failed;
}

const warmUp = events.slice(0, Number(warm));
const timed = events.slice(Number(warm));
let failed = await run(warmUp);
const cpu = process.cpuUsage();
const t = performance.now();
failed += await run(timed);
const ms = performance.now() - t;
const used = process.cpuUsage(cpu);
process.stdout.write(
  `\n${JSON.stringify({
    failed,
    callsPerSec: (timed.length * 1000) / ms,
    cpuUsPerCall: (used.user + used.system) / timed.length,
  })}\n`,
);

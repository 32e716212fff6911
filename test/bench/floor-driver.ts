// One side of a handler-floor pair (./handler-floor.bench.ts), in a fresh `node` process as a Lambda
// sandbox holds one function: `node floor-driver.mjs <handler bundle> <events.json> <warm-up> <concurrency>`.
// Imports the bundle, answers the first <warm-up> events untimed (clients, secrets, JIT), prints
// `@floor {"ready":…}`; then for each line N on stdin answers the next N events timed and prints
// `@floor {"calls","ms","cpuUs","failed"}`: wall time and this process's CPU over those calls only.
// Lines start with `@floor ` so the handler's own log lines are told apart.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number }>;

const [file = '', eventsFile = '', warm = '0', inFlight = '1'] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile, 'utf8')) as unknown[];
const { handler } = (await import(pathToFileURL(file).href)) as { handler: Handler };
const report = (o: object) => process.stdout.write(`@floor ${JSON.stringify(o)}\n`);

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

let next = Number(warm);
report({ ready: true, failed: await run(events.slice(0, next)) });
for await (const line of createInterface({ input: process.stdin })) {
  const list = events.slice(next, next + Number(line));
  next += list.length;
  const cpu = process.cpuUsage();
  const t = performance.now();
  const failed = await run(list);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  report({ calls: list.length, ms, cpuUs: used.user + used.system, failed });
}

/**
 * `npm run events:backfill`: gives the items stored before the sharded indexes (issue 13) their
 * new index keys (shared/adapters/dynamodb/index-backfill.ts): events get `gsi3` keys, so lists
 * and replays see them; pending and dead deliveries move to their destination's shard. Idempotent
 * (every update is conditional on the old keys) and resumable (`--from <cursor>`, printed after
 * each page); writes and scan pages are paced to `--rate` per second (default 50), so the run takes a
 * bounded share of the table's throughput. Runs against the function environment or the running
 * `npm start`, like vault:reencrypt.
 */
import { parseArgs } from 'node:util';
import { type BackfillPage, DynamoIndexBackfill } from '../../shared/adapters/dynamodb/index-backfill.js';
import { CliError, runCli } from '../cli.js';
import { buildCore } from '../container/core.js';
import { opsConfig } from './environment.js';

export const DEFAULT_RATE = 50;

export interface BackfillProgress extends Omit<BackfillPage, 'cursor'> {
  pages: number;
  /** Pass to `--from` to resume after the last page done. */
  cursor: string | undefined;
}

export interface BackfillOptions {
  from?: string | undefined;
  /** Writes per second at most. */
  rate?: number;
  /** Stop after this many pages (the printed cursor resumes). */
  maxPages?: number;
  onProgress?: (p: BackfillProgress) => void;
  /** Injected for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A pacer: the n-th call returns no earlier than n / rate seconds after the first. */
export function pacer(rate: number, now: () => number, sleep: (ms: number) => Promise<void>) {
  let started: number | undefined;
  let n = 0;
  return async () => {
    started ??= now();
    const due = started + (n++ * 1000) / rate;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
  };
}

export async function backfillIndexes(
  backfill: Pick<DynamoIndexBackfill, 'page'>,
  opts: BackfillOptions = {},
): Promise<BackfillProgress> {
  const rate = opts.rate ?? DEFAULT_RATE;
  const pace = pacer(
    rate,
    opts.now ?? Date.now,
    opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
  );
  const p: BackfillProgress = {
    pages: 0,
    scanned: 0,
    events: 0,
    deliveries: 0,
    skipped: 0,
    cursor: opts.from,
  };
  do {
    // A page's scan is paced like a write, so a run with nothing left to change is bounded too.
    await pace();
    const page = await backfill.page(p.cursor, pace);
    p.pages++;
    p.scanned += page.scanned;
    p.events += page.events;
    p.deliveries += page.deliveries;
    p.skipped += page.skipped;
    p.cursor = page.cursor;
    opts.onProgress?.({ ...p });
  } while (p.cursor && (opts.maxPages === undefined || p.pages < opts.maxPages));
  return p;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/infra\//, 'infra/'));
if (isMain)
  await runCli(async () => {
    const { values } = parseArgs({
      options: { from: { type: 'string' }, rate: { type: 'string' }, local: { type: 'boolean' } },
    });
    const rate = values.rate === undefined ? DEFAULT_RATE : Number(values.rate);
    if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000)
      throw new CliError(`--rate must be a number of writes per second, 1 to 10000 (got ${values.rate})`);
    const core = buildCore(opsConfig({ local: values.local }));
    try {
      const out = await backfillIndexes(new DynamoIndexBackfill(core.table.ddb, core.table.name), {
        from: values.from,
        rate,
        onProgress: (p) =>
          process.stdout.write(
            `scanned ${p.scanned}  events indexed ${p.events}  deliveries sharded ${p.deliveries}  changed meanwhile ${p.skipped}${p.cursor ? `  (resume: --from ${p.cursor})` : ''}\n`,
          ),
      });
      process.stdout.write(`done: ${out.events} events indexed, ${out.deliveries} deliveries sharded\n`);
    } finally {
      core.close();
    }
  });

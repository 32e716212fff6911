/**
 * GET /health/pipeline: what is waiting and what has failed. Per destination (a page at a time: each
 * costs 2 lists x 16 index shards of queries), its pending
 * deliveries and dead letters (each list counted up to PIPELINE_COUNT_CAP) and the oldest pending
 * one's age; the queues' depths where they can be known (SQS on AWS, the local queue locally).
 */
import type { QueueDepth, QueueStats } from '../ports/index.js';
import type { DeliveryDeps } from './deps.js';

/** Each destination's lists are counted up to this many entries (so the check's cost is bounded). */
export const PIPELINE_COUNT_CAP = 1000;

type Deps = Pick<DeliveryDeps, 'destinations' | 'deliveries' | 'clock'> & {
  queueStats?: QueueStats | undefined;
};

const ageSec = (now: number, at: string | undefined) =>
  at === undefined ? undefined : Math.max(0, Math.floor((now - Date.parse(at)) / 1000));

async function queueDepths(stats: QueueStats | undefined): Promise<QueueDepth[] | { error: string }> {
  if (!stats) return { error: 'no queue is configured for this function' };
  try {
    return await stats.depths();
  } catch (err) {
    return { error: `the queues did not answer (${err instanceof Error ? err.name : 'error'})` };
  }
}

/** One page of destinations (by id) with their counts; the queues' depths on every page. */
export async function pipelineHealth(deps: Deps, q: { limit: number; cursor?: string | undefined }) {
  const now = deps.clock.now();
  const [page, queues] = await Promise.all([
    deps.destinations.pageDestinations(q.limit, q.cursor),
    queueDepths(deps.queueStats),
  ]);
  const rows = await Promise.all(
    page.items.map(async (d) => {
      const [pending, dead] = await Promise.all([
        deps.deliveries.countIndexed(d.id, 'pending', PIPELINE_COUNT_CAP),
        deps.deliveries.countIndexed(d.id, 'dead', PIPELINE_COUNT_CAP),
      ]);
      return {
        id: d.id,
        status: d.status,
        pending: pending.count,
        deadLetters: dead.count,
        ...(pending.capped || dead.capped ? { capped: true as const } : {}),
        ...(pending.oldestAt
          ? { oldestPendingAt: pending.oldestAt, oldestPendingAgeSec: ageSec(now, pending.oldestAt) }
          : {}),
      };
    }),
  );
  const oldest = rows
    .map((r) => r.oldestPendingAt)
    .filter((t): t is string => !!t)
    .sort()[0];
  return {
    checkedAt: new Date(now).toISOString(),
    totals: {
      pending: rows.reduce((n, r) => n + r.pending, 0),
      deadLetters: rows.reduce((n, r) => n + r.deadLetters, 0),
      ...(oldest ? { oldestPendingAt: oldest, oldestPendingAgeSec: ageSec(now, oldest) } : {}),
      ...(rows.some((r) => r.capped) ? { capped: true as const } : {}),
    },
    destinations: rows,
    ...(Array.isArray(queues) ? { queues } : { queuesUnknown: queues.error }),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/**
 * Fresh access tokens. A token is refreshed when it expires within the provider's margin
 * (default 5 min) or on request (`forceRefresh`, e.g. after a 401). Concurrent callers never race:
 * within a process they share one in-flight refresh; across processes a DynamoDB lease (a
 * conditional update with an expiry) admits one refresher (refresh.ts), which re-reads after
 * taking the lease and writes with a version condition.
 */
import type { ConnectionDeps } from './deps.js';
import { refreshWithLease } from './refresh.js';
import {
  canRefresh,
  type FreshAccessToken,
  needsRefresh,
  notFound,
  outOfTime,
  reauthError,
  viewOf,
} from './token-view.js';

export { LEASE_MS, REAUTH_AFTER_FAILURES, REAUTH_WINDOW_MS, refreshWithLease } from './refresh.js';
export {
  canRefresh,
  type FreshAccessToken,
  forgetConnection,
  marginMsFor,
  needsRefresh,
} from './token-view.js';

/** Settles with `p`, or fails with 504 upstream_timeout when the deadline (deps clock) passes first. */
async function withinDeadline<T>(deps: ConnectionDeps, p: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(outOfTime()), Math.max(0, deadline - deps.now()));
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `deadline` (epoch ms on the deps clock) bounds the whole read, lease wait and refresh included;
 * by default the token budget (25 s) from now, inside the 29 s Lambda timeout. Past it: 504.
 */
export async function getFreshAccessToken(
  deps: ConnectionDeps,
  connectionId: string,
  opts: { forceRefresh?: boolean; deadline?: number } = {},
): Promise<FreshAccessToken> {
  const { inflight } = deps;
  const deadline = opts.deadline ?? deps.now() + deps.tokenBudgetMs;
  const c = await deps.store.get(connectionId);
  if (!c) throw notFound(connectionId);
  if (c.status === 'needs_reauth') throw reauthError(c.id);
  const now = deps.now();
  if (!opts.forceRefresh && !needsRefresh(c, now)) return viewOf(deps, c);
  if (!canRefresh(c)) {
    if (c.expiresAt !== undefined && c.expiresAt <= now) throw reauthError(c.id);
    return viewOf(deps, c);
  }
  if (deps.now() >= deadline) throw outOfTime();
  const running = inflight.get(c.id);
  if (running) return withinDeadline(deps, running, deadline);
  const p = refreshWithLease(deps, c.id, c.version, opts.forceRefresh === true, deadline).finally(() =>
    inflight.delete(c.id),
  );
  inflight.set(c.id, p);
  p.catch(() => {}); // a caller that gave up at its deadline leaves no unhandled rejection
  return withinDeadline(deps, p, deadline);
}

/**
 * Fresh access tokens. A token is refreshed when it expires within the provider's margin
 * (default 5 min) or on request (`forceRefresh`, e.g. after a 401). Concurrent callers never race:
 * within a process they share one in-flight refresh; across processes a DynamoDB lease (a
 * conditional update with an expiry) admits one refresher (refresh.ts), which re-reads after
 * taking the lease and writes with a version condition.
 */
import { HookbridgeError } from '../errors.js';
import type { ConnectionDeps } from './deps.js';
import type { ConnectionRecord } from './model.js';
import { refreshWithLease } from './refresh.js';
import {
  canRefresh,
  effectiveStatus,
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

/** How long a read waits for the refresh of a token that is still valid before it is given the stored one. */
export const EARLY_REFRESH_WAIT_MS = 5_000;

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
  const deadline = opts.deadline ?? deps.now() + deps.tokenBudgetMs;
  const c = await deps.store.get(connectionId);
  if (!c) throw notFound(connectionId);
  const now = deps.now();
  if (effectiveStatus(c, now) === 'needs_reauth') {
    if (c.status === 'active') await recordExpired(deps, c);
    throw reauthError(c.id);
  }
  if (!opts.forceRefresh && !needsRefresh(c, now)) return viewOf(deps, c);
  if (!canRefresh(c)) return viewOf(deps, c);
  if (deps.now() >= deadline) throw outOfTime();
  const p = sharedRefresh(deps, c, opts.forceRefresh === true, deadline);
  // A token refreshed early (still valid) is not worth a long wait: past EARLY_REFRESH_WAIT_MS the
  // caller gets the stored one while the refresh goes on.
  const early = !opts.forceRefresh && c.expiresAt !== undefined && c.expiresAt > now;
  try {
    return await withinDeadline(deps, p, early ? Math.min(deadline, now + EARLY_REFRESH_WAIT_MS) : deadline);
  } catch (err) {
    if (opts.forceRefresh || !isTransient(err)) throw err;
    return await storedWhileValid(deps, connectionId, err);
  }
}

/** This process's refresh of the connection: the one in flight, or a new one under the lease. */
function sharedRefresh(
  deps: ConnectionDeps,
  c: ConnectionRecord,
  force: boolean,
  deadline: number,
): Promise<FreshAccessToken> {
  const running = deps.inflight.get(c.id);
  if (running) return running;
  const p = refreshWithLease(deps, c.id, c.version, force, deadline).finally(() =>
    deps.inflight.delete(c.id),
  );
  deps.inflight.set(c.id, p);
  p.catch(() => {}); // a caller that gave up at its deadline leaves no unhandled rejection
  return p;
}

/** Stores the needs_reauth a token read (or the refresher) found: expired, no refresh token; so listings by status agree. */
export async function recordExpired(deps: ConnectionDeps, c: ConnectionRecord): Promise<void> {
  const at = new Date(deps.now()).toISOString();
  const saved = await deps.store
    .save({ ...c, status: 'needs_reauth', lastError: 'access_token_expired', updatedAt: at }, c.version)
    .catch(() => false);
  if (saved)
    deps.log.info('connection needs re-auth: its token expired and it has no refresh token', {
      connectionId: c.id,
    });
}

/** The provider failed, not refused: network, 5xx, 429, timeout (refresh.ts throws these codes for them). */
const isTransient = (err: unknown): boolean =>
  err instanceof HookbridgeError && (err.code === 'upstream_error' || err.code === 'upstream_timeout');

/**
 * A refresh that failed for a transient reason does not fail the read while the stored token is
 * still valid: the caller gets it (it was going to be refreshed early, inside the margin). Past
 * its expiry the refresh's own error (502 / 504) stands.
 */
async function storedWhileValid(deps: ConnectionDeps, id: string, err: unknown): Promise<FreshAccessToken> {
  const c = await deps.store.get(id);
  if (!c) throw notFound(id);
  if (c.status === 'needs_reauth') throw reauthError(id);
  if (c.expiresAt === undefined || c.expiresAt <= deps.now()) throw err;
  deps.log.warn('refresh failed transiently; serving the stored token until it expires', {
    connectionId: id,
    error: (err as HookbridgeError).code,
    expiresInSeconds: Math.floor((c.expiresAt - deps.now()) / 1000),
  });
  return viewOf(deps, c);
}

/**
 * The scheduled refresher (every 5 minutes): renews tokens that will fall inside the margin
 * before the next run, retries connections whose last refresh failed (so a persistent
 * invalid_grant reaches needs_reauth), and refreshes idle connections so refresh tokens that
 * expire when unused stay alive. Every refresh goes through the same lease as on-demand reads.
 * It stores needs_reauth on connections whose token expired with no refresh token (so listings by
 * status agree with the views), then retries the revocations that failed at delete and are due (revoke.ts).
 */
import type { ConnectionDeps } from './deps.js';
import type { ConnectionRecord } from './model.js';
import { retryRevocations } from './revoke.js';
import { effectiveStatus } from './token-view.js';
import { canRefresh, marginMsFor, recordExpired, refreshWithLease } from './tokens.js';

export const REFRESHER_INTERVAL_MS = 5 * 60_000;
export const KEEPALIVE_MS = 7 * 24 * 3_600_000;

export interface RefresherStats {
  scanned: number;
  refreshed: number;
  failed: number;
  skipped: number;
  /** Revocation jobs retried in this run (revoke.ts). */
  revocations?: { retried: number; revoked: number; failed: number };
}

export function isDue(c: ConnectionRecord, now: number, keepAliveMs = KEEPALIVE_MS): boolean {
  if (c.status !== 'active' || !canRefresh(c)) return false;
  if (c.refreshFailures > 0) return true;
  if (c.expiresAt !== undefined && c.expiresAt - marginMsFor(c) - REFRESHER_INTERVAL_MS <= now) return true;
  const last = Date.parse(c.lastRefreshedAt ?? c.createdAt);
  return now - last >= keepAliveMs;
}

export async function runRefresher(
  deps: ConnectionDeps,
  opts: { concurrency?: number; keepAliveMs?: number; deadline?: number } = {},
): Promise<RefresherStats> {
  const stats: RefresherStats = { scanned: 0, refreshed: 0, failed: 0, skipped: 0 };
  const concurrency = opts.concurrency ?? 5;
  let cursor: string | undefined;
  do {
    const page = await deps.store.list({ limit: 100, cursor });
    cursor = page.cursor;
    stats.scanned += page.items.length;
    const due = page.items.filter((c) => isDue(c, deps.now(), opts.keepAliveMs));
    for (const c of page.items)
      if (c.status === 'active' && effectiveStatus(c, deps.now()) === 'needs_reauth')
        await recordExpired(deps, c);
    stats.skipped += page.items.length - due.length;
    for (let i = 0; i < due.length; i += concurrency) {
      await Promise.all(
        due.slice(i, i + concurrency).map(async (c) => {
          try {
            await refreshWithLease(deps, c.id, c.version, true);
            stats.refreshed++;
          } catch {
            stats.failed++; // already counted on the connection, logged and evented
          }
        }),
      );
    }
  } while (cursor && (opts.deadline === undefined || deps.now() < opts.deadline));
  const revocations = await retryRevocations(deps, { deadline: opts.deadline });
  deps.log.info('refresher run', { ...stats, revocations });
  return { ...stats, revocations };
}

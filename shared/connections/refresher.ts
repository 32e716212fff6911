/**
 * The scheduled refresher (every 5 minutes): renews tokens that will fall inside the margin
 * before the next run, retries connections whose last refresh failed (so a persistent
 * invalid_grant reaches needs_reauth), and refreshes idle connections so refresh tokens that
 * expire when unused stay alive. Every refresh goes through the same lease as on-demand reads.
 */
import type { ConnectionDeps } from './deps.js';
import type { ConnectionRecord } from './model.js';
import { canRefresh, marginMsFor, refreshWithLease } from './tokens.js';

export const REFRESHER_INTERVAL_MS = 5 * 60_000;
export const KEEPALIVE_MS = 7 * 24 * 3_600_000;

export interface RefresherStats {
  scanned: number;
  refreshed: number;
  failed: number;
  skipped: number;
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
  deps.log.info('refresher run', { ...stats });
  return stats;
}

/**
 * Pull destinations: deliveries-send stores each delivery in the destination's stream instead of
 * POSTing it, and GET /destinations/{id}/messages reads the stream after a cursor, waiting up to
 * `wait` seconds for the first message. The consumer acknowledges by passing `next` back; the
 * same cursor again answers the same messages (at least once, resumable).
 */
import { HookbridgeError } from '../errors.js';
import type { PullStream } from '../ports/index.js';
import type { DeliveryDeps } from './deps.js';
import { partsOf } from './process.js';
import type { Destination, PullMessage } from './types.js';

/**
 * A number taken but not yet stored is waited for while the next stored message is younger than
 * this; older, its sender died between the two writes and the gap is passed over.
 */
export const PULL_GAP_MS = 10_000;
/** Long-poll: store reads back off from 100 ms to 1 s within the wait. */
const POLL_BACKOFF_MS = [100, 200, 400, 800, 1000] as const;
/** Payload bytes per answer (Lambda answers at most 6 MB); a larger single payload is sent as a reference. */
export const PULL_PAGE_BYTES = 4_000_000;

export const streamOf = (d: Pick<Destination, 'id' | 'generation'>): PullStream => ({
  destinationId: d.id,
  generation: d.generation ?? '-',
});

// --- cursors: `<generation>:<seq>` as base64url; another generation's cursor is not this stream's ---

export const pullCursor = (s: PullStream, seq: number): string =>
  Buffer.from(`${s.generation}:${seq}`).toString('base64url');

/** The number a cursor stands at (0 without one); 400 invalid_cursor unless this stream's `next`. */
export function cursorSeq(s: PullStream, cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const m = /^([0-9a-f]{1,32}|-):(0|[1-9][0-9]{0,11})$/.exec(text);
  if (!m || m[1] !== s.generation || pullCursor(s, Number(m[2])) !== cursor)
    throw new HookbridgeError(
      'invalid_cursor',
      'The cursor is not one this API returned for this destination (a deleted and recreated destination starts again without one)',
    );
  return Number(m[2]);
}

/**
 * Pure: the messages after `after` up to the first gap (a number taken but not stored yet), unless
 * the message after the gap is older than PULL_GAP_MS. Keeps delivery order: nothing is passed over
 * while a slower sender may still store it.
 */
export function contiguous(after: number, rows: readonly PullMessage[], nowMs: number): PullMessage[] {
  const out: PullMessage[] = [];
  let expected = after + 1;
  for (const r of rows) {
    if (r.seq !== expected && nowMs - Date.parse(r.storedAt) < PULL_GAP_MS) break;
    out.push(r);
    expected = r.seq + 1;
  }
  return out;
}

// --- storing ---------------------------------------------------------------------------------

/** Stores one delivery round as the stream's next message; returns its number. */
export function storePullMessage(
  deps: DeliveryDeps,
  dest: Destination,
  m: Pick<PullMessage, 'eventId' | 'part' | 'round' | 'webhookId' | 'type' | 'storedAt'>,
): Promise<number> {
  return deps.pullMessages.appendMessage({ ...streamOf(dest), ...m }, deps.ttlSec());
}

// --- reading ---------------------------------------------------------------------------------

export interface PullItem {
  webhookId: string;
  type: string;
  timestamp: string;
  data: unknown;
}

export interface PullQuery {
  after?: string | undefined;
  limit: number;
  /** Seconds to wait for a first message; 0 answers at once. */
  wait: number;
}

/** GET /destinations/{id}/messages, for the destination the route found. */
export async function pullMessages(
  deps: DeliveryDeps,
  dest: Destination,
  q: PullQuery,
): Promise<{ items: PullItem[]; next: string }> {
  if (dest.type !== 'pull')
    throw new HookbridgeError(
      'conflict',
      `Destination ${dest.id} is an http destination, not a pull destination: it keeps no messages`,
    );
  const stream = streamOf(dest);
  const after = cursorSeq(stream, q.after);
  // Wall time, not deps.clock: the wait is real time inside this invocation's timeout.
  const deadline = Date.now() + q.wait * 1000;
  for (let i = 0; ; i++) {
    const rows = contiguous(
      after,
      await deps.pullMessages.listMessages(stream, after, q.limit),
      deps.clock.now(),
    );
    const left = deadline - Date.now();
    if (rows.length > 0 || left <= 0) {
      const { items, through } = await render(deps, rows, after);
      return { items, next: pullCursor(stream, through) };
    }
    const pause = Math.min(POLL_BACKOFF_MS[Math.min(i, POLL_BACKOFF_MS.length - 1)]!, left);
    await new Promise((r) => setTimeout(r, pause));
  }
}

/**
 * The messages as HTTP delivery would POST them (`{type, timestamp, data}` of the event part), and
 * the number read through. A message whose event has expired is left out but counts as read.
 */
async function render(
  deps: DeliveryDeps,
  rows: PullMessage[],
  after: number,
): Promise<{ items: PullItem[]; through: number }> {
  const ids = [...new Set(rows.map((r) => r.eventId))];
  const parts = new Map(
    await Promise.all(
      ids.map(async (id) => {
        const e = await deps.events.getWithBody(id);
        return [id, e && partsOf(e.record, e.body)] as const;
      }),
    ),
  );
  const items: PullItem[] = [];
  let bytes = 0;
  let through = after;
  for (const r of rows) {
    const payload = parts.get(r.eventId)?.[r.part]?.payload;
    const size = payload ? Buffer.byteLength(JSON.stringify(payload)) : 0;
    // Past the budget: stop before it (the cursor covers only what was answered), unless it is the first.
    if (items.length > 0 && bytes + size > PULL_PAGE_BYTES) break;
    through = r.seq;
    if (!payload) continue;
    bytes += size;
    items.push({
      webhookId: r.webhookId,
      type: payload.type,
      timestamp: payload.occurredAt,
      data:
        size > PULL_PAGE_BYTES
          ? { type: payload.type, ref: `/events/${r.eventId}`, sizeBytes: size, truncated: true }
          : payload,
    });
  }
  return { items, through };
}

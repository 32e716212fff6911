/** The Standard Webhooks retry schedule, jitter and Retry-After handling. Pure. */

/** Delay before attempt n (0-based): immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const RETRY_SCHEDULE_SEC = [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SEC.length;
/** A receiver's Retry-After is honoured up to this many seconds. */
export const RETRY_AFTER_CAP_SEC = 3600;
/** ±10 % jitter spreads retries of a burst so a recovering receiver is not hit all at once. */
export const JITTER = 0.1;
/** SQS DelaySeconds limit; longer waits hop through the queue. */
export const MAX_QUEUE_DELAY_SEC = 900;

export function retryDelaySec(attempt: number, random: () => number = Math.random): number {
  const base = RETRY_SCHEDULE_SEC[attempt] ?? RETRY_SCHEDULE_SEC[RETRY_SCHEDULE_SEC.length - 1]!;
  if (base === 0) return 0;
  return Math.max(1, Math.round(base * (1 + JITTER * (2 * random() - 1))));
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - nowMs) / 1000));
}

/** Next wait after failed attempt `attempt`, or undefined when the schedule is spent. */
export function nextDelaySec(
  attempt: number,
  failure: { status: number; retryAfter?: string | null | undefined },
  nowMs: number,
  random: () => number = Math.random,
): number | undefined {
  const next = attempt + 1;
  if (next >= MAX_ATTEMPTS) return undefined;
  const scheduled = retryDelaySec(next, random);
  if (failure.status === 429 || failure.status === 503) {
    const ra = parseRetryAfter(failure.retryAfter, nowMs);
    // The receiver may ask for a longer wait (up to the cap), never a shorter one: a short
    // Retry-After must not burn the whole schedule in seconds.
    if (ra !== undefined) return Math.max(scheduled, Math.min(ra, RETRY_AFTER_CAP_SEC));
  }
  return scheduled;
}

/** `payment.*`, `*` and exact types; an empty filter list takes everything. */
export function matchesTypeFilter(filters: readonly string[], type: string): boolean {
  if (filters.length === 0) return true;
  return filters.some(
    (f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))),
  );
}

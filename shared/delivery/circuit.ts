/**
 * The circuit breaker of a destination, as pure decisions (shared/delivery/flow.ts runs them, the
 * FlowRepo keeps the state on the destination item). closed: attempts go. open: attempts wait,
 * not counted, until `nextProbeAt`. half_open: one attempt (the probe) holds a short lease; its
 * success closes the circuit, its failure opens it again for another cool-down.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';
export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const satisfies readonly CircuitState[];

/** A destination's breaker settings (absent = the defaults). */
export interface CircuitSettings {
  enabled?: boolean | undefined;
  /** Opens after this many failed attempts in a row. */
  consecutiveFailures?: number | undefined;
  /** ...or when this share of the attempts in a window failed (0-1), once it counted `minAttempts`. */
  failureRatio?: number | undefined;
  minAttempts?: number | undefined;
  /** The window starts at a failure and counts every attempt for this long. */
  windowSeconds?: number | undefined;
  /** How long an open circuit waits before its probe. */
  coolDownSeconds?: number | undefined;
}

export const CIRCUIT_DEFAULTS = {
  enabled: true,
  consecutiveFailures: 10,
  failureRatio: 0.5,
  minAttempts: 20,
  windowSeconds: 60,
  coolDownSeconds: 60,
} as const satisfies Required<CircuitSettings>;

/** The settings in force: a destination's, the defaults for the rest. */
export type Breaker = { [K in keyof CircuitSettings]-?: NonNullable<CircuitSettings[K]> };

export const breakerOf = (s: CircuitSettings | undefined): Breaker => {
  const out: Breaker = { ...CIRCUIT_DEFAULTS };
  for (const [k, v] of Object.entries(s ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
};

/** The breaker's state and counters on the destination item (all times epoch ms). */
export interface CircuitRecord {
  state: CircuitState;
  reason?: string | undefined;
  openedAt?: number | undefined;
  nextProbeAt?: number | undefined;
  /** The probe's lease: while it runs, no other attempt goes. */
  probeUntil?: number | undefined;
  /** Failed attempts in a row. */
  failures: number;
  windowStart?: number | undefined;
  windowAttempts: number;
  windowFailures: number;
}

export const CLOSED: CircuitRecord = { state: 'closed', failures: 0, windowAttempts: 0, windowFailures: 0 };

/** While a probe runs, the others look again this soon (or when its lease ends, if sooner). */
export const HALF_OPEN_RECHECK_MS = 2_000;

export type CircuitGate = { kind: 'pass' } | { kind: 'probe' } | { kind: 'wait'; untilMs: number };

/** May an attempt go now? Pure: no store call unless it says `probe`. */
export function circuitGate(rec: CircuitRecord | undefined, b: Breaker, nowMs: number): CircuitGate {
  if (!b.enabled || !rec || rec.state === 'closed') return { kind: 'pass' };
  if (rec.state === 'open' && nowMs < (rec.nextProbeAt ?? 0))
    return { kind: 'wait', untilMs: rec.nextProbeAt ?? nowMs };
  if (rec.state === 'half_open' && (rec.probeUntil ?? 0) > nowMs)
    return { kind: 'wait', untilMs: Math.min(rec.probeUntil ?? nowMs, nowMs + HALF_OPEN_RECHECK_MS) };
  return { kind: 'probe' };
}

export const windowLive = (rec: CircuitRecord | undefined, b: Breaker, nowMs: number): boolean =>
  rec?.windowStart !== undefined && rec.windowStart > nowMs - b.windowSeconds * 1000;

/** A success costs a write only when it breaks a run of failures or counts in a live window. */
export const successNeedsWrite = (rec: CircuitRecord | undefined, b: Breaker, nowMs: number): boolean =>
  b.enabled && rec !== undefined && (rec.failures > 0 || windowLive(rec, b, nowMs));

/** Why the counters (after a failure) open the circuit, or undefined. */
export function openReason(
  c: Pick<CircuitRecord, 'failures' | 'windowAttempts' | 'windowFailures'>,
  b: Breaker,
  lastError: string,
): string | undefined {
  if (c.failures >= b.consecutiveFailures)
    return `${c.failures} consecutive failure${c.failures === 1 ? '' : 's'} (last: ${lastError})`;
  if (c.windowAttempts >= b.minAttempts && c.windowFailures / c.windowAttempts >= b.failureRatio)
    return `${c.windowFailures} of ${c.windowAttempts} attempts failed within ${b.windowSeconds} s (last: ${lastError})`;
  return undefined;
}

/** When the deliveries waiting on an open circuit come back: after the probe, spread so they do not all land at once. */
export const resumeAt = (untilMs: number, b: Breaker, random: () => number): number =>
  untilMs + 1000 + Math.floor(random() * Math.min(b.coolDownSeconds, 60) * 1000);

/** What GET /destinations/{id} shows. */
export function circuitView(rec: CircuitRecord | undefined) {
  if (!rec || rec.state === 'closed') return { state: 'closed' as const };
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    state: rec.state,
    ...(rec.reason === undefined ? {} : { reason: rec.reason }),
    ...(rec.openedAt === undefined ? {} : { openedAt: iso(rec.openedAt) }),
    ...(rec.nextProbeAt === undefined ? {} : { nextProbeAt: iso(rec.nextProbeAt) }),
  };
}

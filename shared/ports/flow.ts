/**
 * Flow control's store (shared/delivery/flow.ts): a destination's rate slots and in-flight leases
 * (a small item of their own) and its circuit breaker (on the destination item, read with it).
 * Every change is one conditional UpdateItem, so concurrent deliveries-send invocations agree.
 */
import type { CircuitRecord } from '../delivery/circuit.js';

export type RateReservation =
  /** The attempt may start at `slotAt` (now, or a little later: the slots before it are taken). */
  | { slotAt: number }
  /** Every slot up to the horizon is taken: ask again at `retryAt`. */
  | { retryAt: number };

export type CircuitCounts = Pick<CircuitRecord, 'failures' | 'windowAttempts' | 'windowFailures'>;

export interface FlowRepo {
  /**
   * Takes the next start slot of a rate of one per `intervalMs` (a token bucket of one token, kept
   * as the time its next slot is free), if that slot is within `horizonMs` of now.
   */
  reserveRate(id: string, nowMs: number, intervalMs: number, horizonMs: number): Promise<RateReservation>;
  /** One of `max` in-flight leases until `expiresAt` (an expired one is taken back); its token, or undefined when all are held. */
  acquireLease(id: string, nowMs: number, max: number, expiresAt: number): Promise<string | undefined>;
  releaseLease(id: string, lease: string): Promise<void>;
  /**
   * Counts an attempt's outcome on the breaker: a success ends the run of failures (and counts in
   * a live window), a failure adds to both, starting a new window when the last one (older than
   * `windowMs`) has ended. The counters after it; undefined when the destination is gone.
   * `seenLive`: whether the destination as last read had a live window (which write to try first).
   */
  countOutcome(
    id: string,
    ok: boolean,
    nowMs: number,
    windowMs: number,
    seenLive?: boolean,
  ): Promise<CircuitCounts | undefined>;
  /** closed (or half_open, after a failed probe) -> open; false if it was not in `from`. */
  openCircuit(
    id: string,
    from: 'closed' | 'half_open',
    open: { reason: string; nowMs: number; nextProbeAt: number },
  ): Promise<boolean>;
  /** open past its nextProbeAt (or half_open with a lapsed probe) -> half_open with this attempt as the probe. */
  takeProbe(id: string, nowMs: number, probeUntil: number): Promise<boolean>;
  /** half_open -> closed, counters reset. */
  closeCircuit(id: string): Promise<boolean>;
}

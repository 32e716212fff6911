/**
 * Flow control per destination, run by deliveries-send around each HTTP attempt: the circuit
 * breaker (./circuit.ts), `rateLimit: {perSecond}` and `maxInFlight`, all kept in DynamoDB
 * (FlowRepo) so they hold across concurrent invocations. An attempt that may not go now is not an
 * attempt: its claim is given back uncounted and its message queued again for when it may.
 *
 * Costs: a destination without limits whose breaker has nothing counted makes no extra store call;
 * a rate limit takes one (a slot), `maxInFlight` two (take and give back a lease), and a breaker
 * with failures counted one per attempt until its window ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Breaker,
  breakerOf,
  circuitGate,
  HALF_OPEN_RECHECK_MS,
  openReason,
  resumeAt,
  successNeedsWrite,
  windowLive,
} from './circuit.js';
import type { DeliveryDeps } from './deps.js';
import { MAX_QUEUE_DELAY_SEC } from './schedule.js';
import type { AttemptDecision } from './send.js';
import type { Destination, QueueMessage } from './types.js';

type DeliveryMessage = Extract<QueueMessage, { kind: 'delivery' }>;

/**
 * A slot this close is waited for in the invocation; a later one goes back to the queue, to return
 * a second or two before it (the claim and reads on its return take time) and wait the rest.
 */
export const RATE_SLEEP_MAX_MS = 2_000;
/** Slots are reserved at most this far ahead (the longest SQS delay). */
export const RATE_HORIZON_MS = MAX_QUEUE_DELAY_SEC * 1000;
/** A lease or a probe outlives the attempt's timeout by this much, then lapses (its invocation died). */
export const LEASE_MARGIN_MS = 5_000;
/** When every in-flight lease is held, the attempt comes back in 1-2 s. */
const IN_FLIGHT_RETRY_MS = 1_000;

/** How long a slot reservation takes in this instance (a moving average, capped). */
const storeLatency = {
  ms: 0,
  observe(sample: number) {
    this.ms = Math.min(RATE_SLEEP_MAX_MS / 2, 0.7 * this.ms + 0.3 * Math.max(0, sample));
  },
};

export type WaitReason = 'circuit_open' | 'rate_limit' | 'in_flight';

export type Admission =
  | {
      go: true;
      /** This attempt is the half-open circuit's probe. */
      probe: boolean;
      /** Runs the POST holding the in-flight lease (if any), giving it back after. */
      holding<T>(send: () => Promise<T>): Promise<T>;
    }
  | { go: false; why: WaitReason; untilMs: number; rateSlot?: number };

const free = { holding: <T>(send: () => Promise<T>) => send() };

/** May this attempt go now? Waits in the invocation only for a rate slot under RATE_SLEEP_MAX_MS away. */
export async function admit(
  deps: DeliveryDeps,
  dest: Destination,
  msg: DeliveryMessage,
  nowMs: number,
): Promise<Admission> {
  const circuit = await passCircuit(deps, dest, nowMs);
  if ('untilMs' in circuit) return { go: false, why: 'circuit_open', untilMs: circuit.untilMs };
  // Slots and leases are taken on a fresh clock reading: the reads before took their time.
  const slot = await rateSlot(deps, dest, msg, deps.clock.now());
  if ('untilMs' in slot) return { go: false, why: 'rate_limit', ...slot };
  if (slot.at > deps.clock.now()) await sleep(slot.at - deps.clock.now());
  if (!dest.maxInFlight) return { go: true, probe: circuit.probe, ...free };
  const t = deps.clock.now();
  const lease = await deps.flow.acquireLease(
    dest.id,
    t,
    dest.maxInFlight,
    t + deps.timeoutMs + LEASE_MARGIN_MS,
  );
  if (!lease) return { go: false, why: 'in_flight', untilMs: t + IN_FLIGHT_RETRY_MS * (1 + deps.random()) };
  return {
    go: true,
    probe: circuit.probe,
    async holding(send) {
      try {
        return await send();
      } finally {
        // A lease not given back lapses by itself.
        await deps.flow.releaseLease(dest.id, lease).catch((err: unknown) => storeFailed(deps, dest, err));
      }
    },
  };
}

/** The breaker's say: go (as the probe, when it is due and this attempt took it), or wait until when. */
async function passCircuit(
  deps: DeliveryDeps,
  dest: Destination,
  nowMs: number,
): Promise<{ probe: boolean } | { untilMs: number }> {
  const b = breakerOf(dest.circuitBreaker);
  const gate = circuitGate(dest.circuit, b, nowMs);
  if (gate.kind === 'pass') return { probe: false };
  // Deliveries waiting on an open circuit come back after its probe, spread; during a probe, shortly.
  if (gate.kind === 'wait')
    return {
      untilMs: dest.circuit?.state === 'open' ? resumeAt(gate.untilMs, b, deps.random) : gate.untilMs,
    };
  const took = await deps.flow.takeProbe(dest.id, nowMs, nowMs + deps.timeoutMs + LEASE_MARGIN_MS);
  return took ? { probe: true } : { untilMs: nowMs + HALF_OPEN_RECHECK_MS };
}

async function rateSlot(
  deps: DeliveryDeps,
  dest: Destination,
  msg: DeliveryMessage,
  nowMs: number,
): Promise<{ at: number } | { untilMs: number; rateSlot?: number }> {
  if (!dest.rateLimit) return { at: nowMs };
  const intervalMs = 1000 / dest.rateLimit.perSecond;
  // A held slot is used unless its message came back late: sent now, it would crowd the slots after it.
  const held = msg.rateSlot?.attempt === msg.attempt ? msg.rateSlot.at : undefined;
  if (held !== undefined && nowMs < held + intervalMs) return { at: held };
  // The slot asked for starts when the answer is expected back, so the attempt is not late for it.
  const r = await deps.flow.reserveRate(dest.id, nowMs + storeLatency.ms, intervalMs, RATE_HORIZON_MS);
  storeLatency.observe(deps.clock.now() - nowMs);
  if ('retryAt' in r) return { untilMs: r.retryAt };
  return r.slotAt - nowMs > RATE_SLEEP_MAX_MS ? { untilMs: r.slotAt, rateSlot: r.slotAt } : { at: r.slotAt };
}

/**
 * Queues the attempt again for when it may go and gives its claim back uncounted. Queued first: if
 * giving the claim back fails, the redelivered message finds it stale and the copy a duplicate.
 */
export async function postpone(
  deps: DeliveryDeps,
  msg: DeliveryMessage,
  wait: Extract<Admission, { go: false }>,
  at: string,
): Promise<'postponed'> {
  const { rateSlot: _spent, ...rest } = msg;
  const ms = Math.max(0, wait.untilMs - deps.clock.now());
  // A held slot comes back 1-2 s before it (and waits the rest); anything else at or after its time.
  const delaySec = wait.rateSlot === undefined ? Math.ceil(ms / 1000) : Math.floor(ms / 1000) - 1;
  const early = wait.rateSlot === undefined ? 0 : RATE_SLEEP_MAX_MS;
  const next: DeliveryMessage = {
    ...rest,
    notBefore: Math.max(msg.notBefore, Math.round(wait.untilMs - early)),
    ...(wait.rateSlot === undefined ? {} : { rateSlot: { at: wait.rateSlot, attempt: msg.attempt } }),
  };
  await deps.queue.send(next, Math.min(delaySec, MAX_QUEUE_DELAY_SEC));
  await deps.deliveries.postponeAttempt(
    { eventId: msg.eventId, destinationId: msg.destinationId, part: msg.part },
    msg.round,
    msg.attempt,
    at,
    new Date(Math.round(wait.untilMs)).toISOString(),
  );
  deps.log.debug('delivery postponed', { destinationId: msg.destinationId, why: wait.why, delaySec });
  return 'postponed';
}

/** What a sent attempt did to the breaker. Never throws: a count lost to a store error only delays an opening. */
export async function noteOutcome(
  deps: DeliveryDeps,
  dest: Destination,
  probe: boolean,
  decision: AttemptDecision,
): Promise<void> {
  const b = breakerOf(dest.circuitBreaker);
  const outcome =
    decision.kind === 'delivered'
      ? { ok: true as const }
      : decision.kind === 'retry' || decision.kind === 'exhausted'
        ? { ok: false as const, lastError: decision.lastError }
        : undefined;
  // 410 (the destination is disabled) and an SSRF refusal (nothing was sent) are not counted.
  if (!b.enabled || !outcome) return;
  const nowMs = deps.clock.now();
  try {
    if (probe) {
      if (outcome.ok) {
        if (await deps.flow.closeCircuit(dest.id))
          deps.log.info('circuit closed', { destinationId: dest.id });
      } else await open(deps, dest, 'half_open', `probe failed: ${outcome.lastError}`, b, nowMs);
      return;
    }
    if (outcome.ok && !successNeedsWrite(dest.circuit, b, nowMs)) return;
    const live = windowLive(dest.circuit, b, nowMs);
    const counts = await deps.flow.countOutcome(dest.id, outcome.ok, nowMs, b.windowSeconds * 1000, live);
    const reason = counts && !outcome.ok ? openReason(counts, b, outcome.lastError) : undefined;
    if (reason) await open(deps, dest, 'closed', reason, b, nowMs);
  } catch (err) {
    storeFailed(deps, dest, err);
  }
}

async function open(
  deps: DeliveryDeps,
  dest: Destination,
  from: 'closed' | 'half_open',
  reason: string,
  b: Breaker,
  nowMs: number,
): Promise<void> {
  const nextProbeAt = nowMs + b.coolDownSeconds * 1000;
  if (await deps.flow.openCircuit(dest.id, from, { reason, nowMs, nextProbeAt }))
    deps.log.warn('circuit opened', {
      destinationId: dest.id,
      reason,
      nextProbeAt: new Date(nextProbeAt).toISOString(),
    });
}

const storeFailed = (deps: DeliveryDeps, dest: Destination, err: unknown) =>
  deps.log.warn('flow control store call failed', {
    destinationId: dest.id,
    code: (err as { code?: string }).code ?? (err as Error).name,
  });

/**
 * Flow control's decisions: the circuit breaker's pure functions, then sendAttempt on the port
 * fakes with a breaker open, half-open, a rate slot queued and every lease held.
 */
import { describe, expect, it } from 'vitest';
import { storedAppEvents } from '../../shared/delivery/app-event-publisher.js';
import {
  type Breaker,
  breakerOf,
  CIRCUIT_DEFAULTS,
  type CircuitRecord,
  CLOSED,
  circuitGate,
  circuitView,
  HALF_OPEN_RECHECK_MS,
  openReason,
  resumeAt,
  successNeedsWrite,
} from '../../shared/delivery/circuit.js';
import type { DeliveryDeps } from '../../shared/delivery/deps.js';
import { RATE_SLEEP_MAX_MS } from '../../shared/delivery/flow.js';
import { processEvent } from '../../shared/delivery/process.js';
import { handleQueueMessage } from '../../shared/delivery/send.js';
import { generateDestinationSecret } from '../../shared/delivery/signing.js';
import type { Destination, QueueMessage } from '../../shared/delivery/types.js';
import { eventIdFor } from '../../shared/events/record.js';
import { createLogger } from '../../shared/log.js';
import type { TransportResponse } from '../../shared/outbound/transport.js';
import { memoryStores } from '../support/memory-stores.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const B: Breaker = breakerOf(undefined);
const open = (over: Partial<CircuitRecord> = {}): CircuitRecord => ({
  ...CLOSED,
  state: 'open',
  reason: 'x',
  openedAt: T0,
  nextProbeAt: T0 + 60_000,
  ...over,
});

describe('circuit decisions (pure)', () => {
  it('breakerOf: the defaults, each replaced by a setting given', () => {
    expect(B).toEqual(CIRCUIT_DEFAULTS);
    expect(breakerOf({ consecutiveFailures: 3, coolDownSeconds: undefined })).toEqual({
      ...CIRCUIT_DEFAULTS,
      consecutiveFailures: 3,
    });
  });

  it('circuitGate: closed and unknown pass; open waits for nextProbeAt, then probes; a running probe holds the rest', () => {
    expect(circuitGate(undefined, B, T0)).toEqual({ kind: 'pass' });
    expect(circuitGate(CLOSED, B, T0)).toEqual({ kind: 'pass' });
    expect(circuitGate(open(), B, T0)).toEqual({ kind: 'wait', untilMs: T0 + 60_000 });
    expect(circuitGate(open(), B, T0 + 60_000)).toEqual({ kind: 'probe' });
    const half = open({ state: 'half_open', probeUntil: T0 + 15_000 });
    expect(circuitGate(half, B, T0)).toEqual({ kind: 'wait', untilMs: T0 + HALF_OPEN_RECHECK_MS });
    expect(circuitGate(half, B, T0 + 14_000)).toEqual({ kind: 'wait', untilMs: T0 + 15_000 });
    // The probe's invocation died: its lease lapsed, another attempt probes.
    expect(circuitGate(half, B, T0 + 15_000)).toEqual({ kind: 'probe' });
    expect(circuitGate(open(), { ...B, enabled: false }, T0)).toEqual({ kind: 'pass' });
  });

  it('openReason: N failures in a row, or the ratio once a window has minAttempts, else none', () => {
    const b = { ...B, consecutiveFailures: 3, minAttempts: 4, failureRatio: 0.5 };
    expect(openReason({ failures: 2, windowAttempts: 2, windowFailures: 2 }, b, 'HTTP 500')).toBeUndefined();
    expect(openReason({ failures: 3, windowAttempts: 3, windowFailures: 3 }, b, 'HTTP 500')).toBe(
      '3 consecutive failures (last: HTTP 500)',
    );
    expect(openReason({ failures: 1, windowAttempts: 4, windowFailures: 2 }, b, 'HTTP 502')).toBe(
      '2 of 4 attempts failed within 60 s (last: HTTP 502)',
    );
    expect(openReason({ failures: 1, windowAttempts: 5, windowFailures: 2 }, b, 'HTTP 502')).toBeUndefined();
    expect(openReason({ failures: 1, windowAttempts: 3, windowFailures: 3 }, b, 'HTTP 502')).toBeUndefined();
  });

  it('successNeedsWrite: only after a failure (a run to end or a live window), never on a clean record', () => {
    expect(successNeedsWrite(undefined, B, T0)).toBe(false);
    expect(successNeedsWrite(CLOSED, B, T0)).toBe(false);
    expect(successNeedsWrite({ ...CLOSED, failures: 1 }, B, T0)).toBe(true);
    const windowed = { ...CLOSED, windowStart: T0 - 59_000, windowAttempts: 3, windowFailures: 1 };
    expect(successNeedsWrite(windowed, B, T0)).toBe(true);
    expect(successNeedsWrite(windowed, B, T0 + 1_000)).toBe(false);
    expect(successNeedsWrite({ ...CLOSED, failures: 1 }, { ...B, enabled: false }, T0)).toBe(false);
  });

  it('resumeAt spreads the waiting deliveries over up to a minute after the probe; circuitView hides the counters', () => {
    expect(resumeAt(T0, B, () => 0)).toBe(T0 + 1000);
    expect(resumeAt(T0, B, () => 0.999)).toBe(T0 + 1000 + 59_940);
    expect(resumeAt(T0, { ...B, coolDownSeconds: 5 }, () => 0.5)).toBe(T0 + 3500);
    expect(circuitView({ ...CLOSED, failures: 4 })).toEqual({ state: 'closed' });
    expect(circuitView(open({ probeUntil: 1 }))).toEqual({
      state: 'open',
      reason: 'x',
      openedAt: new Date(T0).toISOString(),
      nextProbeAt: new Date(T0 + 60_000).toISOString(),
    });
  });
});

type Answer = Pick<TransportResponse, 'status'>;

/** deps on the port fakes; the receiver answers `answers` in turn (then 204). */
function harness(dest: Partial<Destination>, answers: Answer[] = []) {
  let now = T0;
  const stores = memoryStores(() => now);
  const queued: { msg: QueueMessage; delay: number }[] = [];
  let sent = 0;
  const deps: DeliveryDeps = {
    log: createLogger({}, { level: 'error' }),
    clock: { now: () => now },
    ...stores,
    queue: { send: async (msg, delay) => void queued.push({ msg, delay }) },
    bus: { publish: async () => {} },
    transport: async () => {
      sent++;
      return { headers: {}, body: Buffer.alloc(0), ...(answers.shift() ?? { status: 204 }) };
    },
    resolver: async () => [{ address: '93.184.216.34', family: 4 }],
    testAllow: new Set(),
    random: () => 0.5,
    timeoutMs: 10_000,
    ttlSec: () => Math.floor(now / 1000) + 30 * 86_400,
  };
  const destination: Destination = {
    id: 'app',
    url: 'https://app.example.com/hooks',
    types: [],
    secret: generateDestinationSecret(),
    status: 'enabled',
    generation: 'g1',
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    ...dest,
  };
  let n = 0;
  return {
    deps,
    stores,
    queued,
    sent: () => sent,
    at: (ms: number) => {
      now = ms;
    },
    /** One stored event and its delivery's first queue message. */
    async event() {
      if (!stores.destinations.items.has('app')) await stores.destinations.putDestination(destination);
      queued.length = 0;
      const id = `evt-${++n}`;
      await storedAppEvents(stores.events, deps.clock).publish({
        id,
        type: 'connection.created',
        occurredAt: new Date(T0).toISOString(),
        data: { connectionId: 'conn_1' },
      });
      const { record, body } = (await stores.events.getWithBody(eventIdFor('hookbridge', 'default', id)))!;
      await processEvent(deps, record, body);
      return queued.shift()!.msg as Extract<QueueMessage, { kind: 'delivery' }>;
    },
    delivery: async (msg: { eventId: string }) =>
      (await stores.deliveries.listForEvent(msg.eventId)).deliveries[0]!,
  };
}

describe('sendAttempt with flow control (port fakes)', () => {
  it('an open circuit: nothing sent, the claim given back uncounted, the message due after the probe', async () => {
    const h = harness({ circuit: open() });
    const msg = await h.event();
    expect(await handleQueueMessage(h.deps, msg)).toBe('postponed');
    expect(h.sent()).toBe(0);
    expect(await h.delivery(msg)).toMatchObject({ status: 'pending', attempts: 0, claimedAt: undefined });
    const [back] = h.queued;
    // After nextProbeAt, spread by half a minute (random 0.5): 60 + 1 + 30 s.
    expect(back).toEqual({ msg: { ...msg, notBefore: T0 + 91_000 }, delay: 91 });
    expect((await h.delivery(msg)).nextAttemptAt).toBe(new Date(T0 + 91_000).toISOString());
  });

  it('a due probe that succeeds closes the circuit; one that fails opens it again for a cool-down', async () => {
    const h = harness({ circuit: open() }, [{ status: 502 }]);
    const first = await h.event();
    h.at(T0 + 60_000);
    expect(await handleQueueMessage(h.deps, first)).toBe('retry');
    expect(h.stores.destinations.items.get('app')!.circuit).toMatchObject({
      state: 'open',
      reason: 'probe failed: HTTP 502',
      openedAt: T0 + 60_000,
      nextProbeAt: T0 + 120_000,
    });
    const second = await h.event();
    h.at(T0 + 120_000);
    expect(await handleQueueMessage(h.deps, second)).toBe('delivered');
    expect(h.stores.destinations.items.get('app')!.circuit).toEqual(CLOSED);
    expect(h.sent()).toBe(2);
  });

  it('while a probe runs, another attempt waits a short recheck', async () => {
    const h = harness({ circuit: open({ state: 'half_open', probeUntil: T0 + 15_000 }) });
    const msg = await h.event();
    expect(await handleQueueMessage(h.deps, msg)).toBe('postponed');
    expect(h.queued[0]!.delay).toBe(HALF_OPEN_RECHECK_MS / 1000);
    expect(h.sent()).toBe(0);
  });

  it('consecutive failures open it; a 410 on the probe disables the destination and is not counted', async () => {
    const h = harness({ circuitBreaker: { consecutiveFailures: 2 } }, [{ status: 500 }, { status: 500 }]);
    for (let i = 0; i < 2; i++) expect(await handleQueueMessage(h.deps, await h.event())).toBe('retry');
    expect(h.stores.destinations.items.get('app')!.circuit).toMatchObject({
      state: 'open',
      reason: '2 consecutive failures (last: HTTP 500)',
      failures: 2,
    });
    const gone = harness({ circuit: open() }, [{ status: 410 }]);
    const msg = await gone.event();
    gone.at(T0 + 60_000);
    expect(await handleQueueMessage(gone.deps, msg)).toBe('gone');
    const d = gone.stores.destinations.items.get('app')!;
    expect(d).toMatchObject({ status: 'disabled', disabledReason: 'receiver answered 410 Gone' });
    // The probe's lease lapses; nothing was counted.
    expect(d.circuit).toMatchObject({ state: 'half_open', failures: 0 });
  });

  it('a clean destination without limits makes no flow-control call', async () => {
    const h = harness({});
    const calls: string[] = [];
    for (const m of Object.getOwnPropertyNames(Object.getPrototypeOf(h.stores.flow)))
      if (m !== 'constructor' && !m.endsWith('Of')) {
        const f = h.stores.flow as unknown as Record<string, (...a: unknown[]) => unknown>;
        const original = f[m]!.bind(f);
        f[m] = (...a) => {
          calls.push(m);
          return original(...a);
        };
      }
    expect(await handleQueueMessage(h.deps, await h.event())).toBe('delivered');
    expect(calls).toEqual([]);
  });

  it('a rate slot further than the in-invocation wait goes back to the queue holding it; on return it is sent without another', async () => {
    const h = harness({ rateLimit: { perSecond: 1 } });
    const msgs = [await h.event(), await h.event()];
    expect(await handleQueueMessage(h.deps, msgs[0]!)).toBe('delivered');
    // Another instance took the slots up to +3 s: more than RATE_SLEEP_MAX_MS to wait in the invocation...
    h.stores.flow.nextFreeAt.set('app', T0 + RATE_SLEEP_MAX_MS + 1000);
    // ...so it is queued to come back 1-2 s early, holding its slot.
    expect(await handleQueueMessage(h.deps, msgs[1]!)).toBe('postponed');
    expect(h.queued[0]).toEqual({
      msg: { ...msgs[1], notBefore: T0 + 1000, rateSlot: { at: T0 + 3000, attempt: 0 } },
      delay: 2,
    });
    expect(await h.delivery(msgs[1]!)).toMatchObject({
      attempts: 0,
      nextAttemptAt: new Date(T0 + 3000).toISOString(),
    });
    h.at(T0 + 3000);
    expect(await handleQueueMessage(h.deps, h.queued[0]!.msg)).toBe('delivered');
    expect(h.stores.flow.nextFreeAt.get('app')).toBe(T0 + 4000);
    expect(h.sent()).toBe(2);
  });

  it('every lease held: postponed 1-2 s, not an attempt; an expired lease is taken back', async () => {
    const h = harness({ maxInFlight: 1 });
    const msg = await h.event();
    h.stores.flow.leases.set('app', new Set([`${T0 + 5000}:x`]));
    expect(await handleQueueMessage(h.deps, msg)).toBe('postponed');
    expect(h.queued[0]!.delay).toBe(2);
    expect(await h.delivery(msg)).toMatchObject({ attempts: 0 });
    h.at(T0 + 5000);
    expect(await handleQueueMessage(h.deps, h.queued[0]!.msg)).toBe('delivered');
    // The lease was given back after the POST.
    expect(h.stores.flow.leases.get('app')).toEqual(new Set());
  });
});

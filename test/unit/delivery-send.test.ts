/**
 * sendAttempt end to end on the in-memory fakes of the store ports: no dynalite, a fixed clock,
 * a stub transport standing in for the app's endpoint and a stub resolver for the SSRF guard.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordingPublisher } from '../../shared/adapters/eventbridge.js';
import { storedAppEvents } from '../../shared/delivery/app-event-publisher.js';
import type { DeliveryDeps } from '../../shared/delivery/deps.js';
import { processEvent } from '../../shared/delivery/process.js';
import { RETRY_SCHEDULE_SEC } from '../../shared/delivery/schedule.js';
import { handleQueueMessage } from '../../shared/delivery/send.js';
import { generateDestinationSecret } from '../../shared/delivery/signing.js';
import type { Destination, QueueMessage } from '../../shared/delivery/types.js';
import { eventIdFor } from '../../shared/events/record.js';
import { createLogger } from '../../shared/log.js';
import {
  TransportError,
  type TransportRequest,
  type TransportResponse,
} from '../../shared/outbound/transport.js';
import { memoryStores } from '../support/memory-stores.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const SECRET = generateDestinationSecret();

type Answer = TransportResponse | TransportError;

function setup(answers: Answer[]) {
  let now = T0;
  const stores = memoryStores(() => now);
  const queued: { msg: QueueMessage; delay: number }[] = [];
  const sent: TransportRequest[] = [];
  const bus = new RecordingPublisher();
  const deps: DeliveryDeps = {
    log: createLogger({}, { level: 'error' }),
    clock: { now: () => now },
    ...stores,
    queue: { send: async (msg, delay) => void queued.push({ msg, delay }) },
    bus,
    transport: async (req) => {
      sent.push(req);
      const a = answers.shift() ?? { status: 204, headers: {}, body: Buffer.alloc(0) };
      if (a instanceof TransportError) throw a;
      return a;
    },
    resolver: async (host) => (host === 'app.example.com' ? [{ address: '93.184.216.34', family: 4 }] : []),
    testAllow: new Set(),
    random: () => 0.5,
    timeoutMs: 10_000,
    ttlSec: () => Math.floor(now / 1000) + 30 * 86_400,
  };
  return {
    deps,
    stores,
    queued,
    sent,
    bus,
    at: (ms: number) => {
      now = ms;
    },
  };
}

const destination = (over: Partial<Destination> = {}): Destination => ({
  id: 'app',
  url: 'https://app.example.com/hooks',
  types: ['connection.*'],
  secret: SECRET,
  status: 'enabled',
  generation: 'g1',
  createdAt: new Date(T0).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  ...over,
});

/** Stores one app event (provider `hookbridge`) and runs events-process on it: one delivery queued. */
async function received(t: ReturnType<typeof setup>) {
  await t.stores.destinations.putDestination(destination());
  await storedAppEvents(t.stores.events, t.deps.clock).publish({
    id: 'evt-1',
    type: 'connection.created',
    occurredAt: new Date(T0).toISOString(),
    data: { connectionId: 'conn_1' },
  });
  const id = eventIdFor('hookbridge', 'default', 'evt-1');
  const { record, body } = (await t.stores.events.getWithBody(id))!;
  await processEvent(t.deps, record, body);
  expect(t.queued).toHaveLength(1);
  return { id, msg: t.queued.shift()!.msg };
}

const answer = (status: number, body = '', headers: Record<string, string> = {}): TransportResponse => ({
  status,
  headers,
  body: Buffer.from(body),
});

describe('sendAttempt on the port fakes', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup([]);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a 2xx delivers: one signed POST to the pinned public address, the attempt recorded', async () => {
    const { id, msg } = await received(t);
    expect(await handleQueueMessage(t.deps, msg)).toBe('delivered');
    expect(t.sent).toHaveLength(1);
    const req = t.sent[0]!;
    expect(req.method).toBe('POST');
    expect(req.pinned.address).toBe('93.184.216.34');
    // The receiver's own check, with its clock at the time of sending.
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const payload = new Webhook(SECRET).verify(req.body!.toString(), req.headers) as { type: string };
    expect(payload.type).toBe('connection.created');
    const { deliveries, attempts } = await t.stores.deliveries.listForEvent(id);
    expect(deliveries).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1, round: 0 })]);
    expect(attempts).toEqual([expect.objectContaining({ status: 204, outcome: 'delivered', attempt: 0 })]);
    expect(t.queued).toEqual([]);
  });

  it('a 5xx reschedules on the schedule; the next attempt delivers with the same webhook-id', async () => {
    t = setup([answer(503, 'busy')]);
    const { id, msg } = await received(t);
    expect(await handleQueueMessage(t.deps, msg)).toBe('retry');
    const [next] = t.queued;
    expect(next?.msg).toMatchObject({ kind: 'delivery', attempt: 1, round: 0 });
    expect((await t.stores.deliveries.listForEvent(id)).deliveries[0]).toMatchObject({
      status: 'pending',
      lastStatus: 503,
    });
    // The second attempt waits its slot in the schedule (with jitter).
    expect(next!.delay).toBeGreaterThan(0);
    expect(next!.delay).toBeLessThanOrEqual(RETRY_SCHEDULE_SEC[1]! * 2);
    t.at((next!.msg as { notBefore: number }).notBefore);
    expect(await handleQueueMessage(t.deps, next!.msg)).toBe('delivered');
    expect(t.sent.map((r) => r.headers['webhook-id'])).toEqual([
      t.sent[0]!.headers['webhook-id'],
      t.sent[0]!.headers['webhook-id'],
    ]);
    const { attempts } = await t.stores.deliveries.listForEvent(id);
    expect(attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [0, 503, 'retry'],
      [1, 204, 'delivered'],
    ]);
  });

  it('a duplicate queue message sends nothing the second time', async () => {
    const { msg } = await received(t);
    expect(await handleQueueMessage(t.deps, msg)).toBe('delivered');
    expect(await handleQueueMessage(t.deps, msg)).toBe('skipped');
    expect(t.sent).toHaveLength(1);
  });

  it('410 Gone disables the destination and ends the delivery', async () => {
    t = setup([answer(410)]);
    const { id, msg } = await received(t);
    expect(await handleQueueMessage(t.deps, msg)).toBe('gone');
    expect(await t.stores.destinations.getDestination('app')).toMatchObject({ status: 'disabled' });
    expect((await t.stores.deliveries.listForEvent(id)).deliveries[0]?.status).toBe('dead');
    expect(t.queued).toEqual([]);
  });

  it('a timeout is retried, not dead', async () => {
    t = setup([new TransportError('timeout', 'no answer in 10000 ms')]);
    const { id, msg } = await received(t);
    expect(await handleQueueMessage(t.deps, msg)).toBe('retry');
    expect((await t.stores.deliveries.listForEvent(id)).attempts[0]).toMatchObject({
      status: 0,
      outcome: 'retry',
    });
    expect(t.queued).toHaveLength(1);
  });

  it('a host resolving to a private address is never connected to: dead, destination_blocked', async () => {
    const { id, msg } = await received(t);
    t.deps.resolver = async () => [{ address: '10.0.0.7', family: 4 }];
    expect(await handleQueueMessage(t.deps, msg)).toBe('dead');
    expect(t.sent).toEqual([]);
    expect((await t.stores.deliveries.listForEvent(id)).deliveries[0]).toMatchObject({
      status: 'dead',
      deadReason: 'destination_blocked',
    });
  });

  it('a destination deleted and made again under the same id never gets the old delivery', async () => {
    const { id, msg } = await received(t);
    await t.stores.destinations.putDestination(destination({ generation: 'g2' }));
    expect(await handleQueueMessage(t.deps, msg)).toBe('dead');
    expect(t.sent).toEqual([]);
    expect((await t.stores.deliveries.listForEvent(id)).deliveries[0]).toMatchObject({
      deadReason: 'destination_deleted',
    });
  });
});

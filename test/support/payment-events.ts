/**
 * Payment-mapper test helpers: a provider body through the real `normalise()`, and a sequence of
 * bodies through the real events-process write rule (processEvent + the in-memory read model).
 */
import { RecordingPublisher } from '../../shared/adapters/eventbridge.js';
import type { DeliveryDeps } from '../../shared/delivery/deps.js';
import { processEvent } from '../../shared/delivery/process.js';
import type { ObjectState } from '../../shared/delivery/types.js';
import { type EventRecord, eventIdFor } from '../../shared/events/record.js';
import { createLogger } from '../../shared/log.js';
import { type MappedEvent, NormalisedPaymentEvent } from '../../shared/payments/model.js';
import { normalise } from '../../shared/payments/normalise.js';
import { memoryStores } from './memory-stores.js';

export interface Delivery {
  provider: string;
  type: string;
  /** The provider event id (as the receiver derives it). */
  eventId: string;
  /** JSON value, or the form text (Braintree). */
  body: unknown;
}

const FORM = 'application/x-www-form-urlencoded';

export function recordOf(d: Delivery): EventRecord {
  return {
    id: eventIdFor(d.provider, 'default', d.eventId),
    provider: d.provider,
    source: 'default',
    eventId: d.eventId,
    type: d.type,
    receivedAt: '2026-01-01T00:00:00.000Z',
    bodySha256: 'x',
    bodySize: 1,
    contentType: typeof d.body === 'string' ? FORM : 'application/json',
    headers: {},
    matchedSecret: 0,
  };
}

const bytes = (body: unknown) => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));

/** The normalised events of one body; fails when the body goes raw or an event breaks the schema. */
export function mapped(d: Delivery): MappedEvent[] {
  const out = normalise(recordOf(d), bytes(d.body));
  if (out.kind !== 'payment')
    throw new Error(`${d.provider} ${d.type}: expected a payment event, got ${out.kind}`);
  for (const m of out.events) {
    const check = NormalisedPaymentEvent.safeParse(m.event);
    if (!check.success) throw new Error(`${d.type}: ${check.error.message}`);
  }
  return out.events;
}

/** The one normalised event of a body. */
export function event(d: Delivery) {
  const all = mapped(d);
  if (all.length !== 1) throw new Error(`${d.type}: expected one event, got ${all.length}`);
  return all[0]!.event;
}

/** What the app receives when the body is not mapped. */
export const kindOf = (d: Delivery) => normalise(recordOf(d), bytes(d.body)).kind;

/** Runs the deliveries, in the given order, through events-process; returns the read model's objects. */
export async function applyInOrder(deliveries: Delivery[]): Promise<Map<string, ObjectState>> {
  const stores = memoryStores(() => Date.parse('2026-06-01T00:00:00Z'));
  const deps: DeliveryDeps = {
    log: createLogger({}, { level: 'error' }),
    clock: { now: () => Date.parse('2026-06-01T00:00:00Z') },
    ...stores,
    queue: { send: async () => {} },
    bus: new RecordingPublisher(),
    transport: async () => ({ status: 204, headers: {}, body: Buffer.alloc(0) }),
    resolver: async () => [],
    testAllow: new Set(),
    random: () => 0.5,
    timeoutMs: 1000,
    ttlSec: () => 0,
  };
  for (const d of deliveries) await processEvent(deps, recordOf(d), bytes(d.body));
  return stores.readModel.items;
}

/** The read model's object after the deliveries, in both orders: [in order, reversed]. */
export async function bothOrders(deliveries: Delivery[], key: string): Promise<[ObjectState?, ObjectState?]> {
  const forward = await applyInOrder(deliveries);
  const backward = await applyInOrder([...deliveries].reverse());
  return [forward.get(key), backward.get(key)];
}

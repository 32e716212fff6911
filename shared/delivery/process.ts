/**
 * events-process core: a stored event -> read model (ordering guard), deliveries (one per event
 * part and matching destination, created once) and the EventBridge bus. Every step is safe to
 * repeat: a reprocessed record or a replay never applies a state twice or creates a second delivery.
 */
import { recordFromItem } from '../events/codec.js';
import type { EventRecord } from '../events/record.js';
import type { AppPayload } from '../payments/model.js';
import { type HookbridgeAppEvent, normalise } from '../payments/normalise.js';
import { BUS_ENTRY_MAX_BYTES, busEntrySize } from '../ports/index.js';
import type { DeliveryDeps } from './deps.js';
import { matchesTypeFilter } from './schedule.js';
import type { Delivery, Destination, ObjectState } from './types.js';

export interface EventPart {
  part: number;
  /** The Standard Webhooks `webhook-id`: the event id, suffixed for the 2nd+ part of a batched event. */
  webhookId: string;
  payload: AppPayload | HookbridgeAppEvent;
  /** Read-model ordering key (payment events only). */
  order?: string | undefined;
}

export const webhookIdFor = (eventId: string, part: number): string =>
  part === 0 ? eventId : `${eventId}_${part}`;

/** Pure: the app payloads of a stored event, in a stable order. */
export function partsOf(record: EventRecord, body: Buffer): EventPart[] {
  const n = normalise(record, body);
  if (n.kind !== 'payment') return [{ part: 0, webhookId: record.id, payload: n.event }];
  return n.events.map((m, i) => ({
    part: i,
    webhookId: webhookIdFor(record.id, i),
    payload: m.event,
    order: m.order,
  }));
}

export interface ProcessResult {
  applied: number;
  stale: number;
  deliveriesCreated: number;
  published: number;
}

/** Processes one stream NEW_IMAGE item (already unmarshalled). */
/** Lists destinations once per stream batch rather than once per event. */
export type DestinationLister = () => Promise<Destination[]>;

export function batchDestinations(deps: DeliveryDeps): DestinationLister {
  let listing: Promise<Destination[]> | undefined;
  return () => {
    listing ??= deps.destinations.listDestinations();
    return listing;
  };
}

/**
 * An unconfirmed bus claim older than this belongs to a dead invocation: the events-process
 * timeout (infra/functions.ts), which a unit test keeps equal.
 */
export const PUBLICATION_LEASE_MS = 60_000;

export async function processEventItem(
  deps: DeliveryDeps,
  item: Record<string, unknown>,
  destinations: DestinationLister = batchDestinations(deps),
  /** The stream record's sequence number: its own retries may re-take its unconfirmed bus claim. */
  streamToken?: string,
): Promise<ProcessResult> {
  const record = recordFromItem(item);
  const body = await deps.events.getBody(record, item);
  return processEvent(deps, record, body, destinations, streamToken);
}

export async function processEvent(
  deps: DeliveryDeps,
  record: EventRecord,
  body: Buffer,
  destinations: DestinationLister = batchDestinations(deps),
  streamToken?: string,
): Promise<ProcessResult> {
  const parts = partsOf(record, body);
  const now = new Date(deps.clock.now()).toISOString();
  const result: ProcessResult = { applied: 0, stale: 0, deliveriesCreated: 0, published: 0 };

  await Promise.all([
    applyReadModel(deps, record, parts, now, result),
    createDeliveries(deps, record, parts, now, result, destinations),
    publishOnce(deps, record, parts, now, result, streamToken),
  ]);
  return result;
}

/** Pure: the read-model state one event part writes, or undefined for a part that names no object. */
export function objectStateOf(record: EventRecord, p: EventPart, now: string): ObjectState | undefined {
  if (p.order === undefined || !('object' in p.payload)) return undefined;
  const e = p.payload;
  return {
    provider: e.provider,
    objectType: e.object.type,
    objectId: e.object.id,
    order: p.order,
    status: e.status,
    customerId: e.customerId,
    amount: e.amount,
    lastType: e.type,
    lastEventId: record.id,
    occurredAt: e.occurredAt,
    updatedAt: now,
    event: { ...e },
  };
}

/** 1. Read model: the conditional write is both the ordering guard and the exactly-once rule. */
export async function applyReadModel(
  deps: Pick<DeliveryDeps, 'readModel'>,
  record: EventRecord,
  parts: EventPart[],
  now: string,
  result: Pick<ProcessResult, 'applied' | 'stale'>,
): Promise<void> {
  for (const p of parts) {
    const state = objectStateOf(record, p, now);
    if (!state) continue;
    if ((await deps.readModel.applyState(state)) === 'applied') result.applied++;
    else result.stale++;
  }
}

async function createDeliveries(
  deps: DeliveryDeps,
  record: EventRecord,
  parts: EventPart[],
  now: string,
  result: ProcessResult,
  listDestinations: DestinationLister,
): Promise<void> {
  // 2. Deliveries to the app's HTTP destinations.
  const enabled = (await listDestinations()).filter((d) => d.status === 'enabled');
  for (const p of parts) {
    for (const dest of enabled) {
      if (!matchesTypeFilter(dest.types, p.payload.type)) continue;
      if (await ensureDelivery(deps, record.id, p, dest, now)) result.deliveriesCreated++;
    }
  }
}

async function publishOnce(
  deps: DeliveryDeps,
  record: EventRecord,
  parts: EventPart[],
  now: string,
  result: ProcessResult,
  streamToken: string | undefined,
): Promise<void> {
  // 3. The bus, once per event unless replayed: the marker is claimed first, released if publishing
  // fails and confirmed after it succeeded; an unconfirmed claim of a dead invocation is re-taken.
  const nowMs = deps.clock.now();
  const claimed = await deps.busMarkers.claimPublication(record.id, now, {
    ttl: deps.ttlSec(),
    nowSec: Math.floor(nowMs / 1000),
    token: streamToken,
    staleBefore: new Date(nowMs - PUBLICATION_LEASE_MS).toISOString(),
  });
  if (!claimed) return;
  try {
    await publishToBus(deps, record, parts);
  } catch (err) {
    await deps.busMarkers.releasePublication(record.id);
    throw err;
  }
  await deps.busMarkers.confirmPublication(record.id, now, deps.ttlSec());
  result.published = parts.length;
}

export async function publishToBus(
  deps: DeliveryDeps,
  record: EventRecord,
  parts: EventPart[],
  replay = false,
): Promise<void> {
  await deps.bus.publish(
    parts.map((p) => {
      const entry = {
        source: `hookbridge.${record.provider}`,
        detailType: p.payload.type,
        id: p.webhookId,
        detail: { id: p.webhookId, ...(replay ? { replay: true } : {}), ...p.payload } as unknown,
      };
      const sizeBytes = busEntrySize(entry);
      if (sizeBytes <= BUS_ENTRY_MAX_BYTES) return entry;
      // Too large for EventBridge: publish a reference; consumers fetch the event from the API.
      entry.detail = {
        id: p.webhookId,
        ...(replay ? { replay: true } : {}),
        type: p.payload.type,
        provider: record.provider,
        sizeBytes,
        ref: `/events/${record.id}`,
        truncated: true,
      };
      return entry;
    }),
  );
}

/** A part's first delivery to a destination: pending, untried, round 0 (a replay names its `cause`). */
export function newDelivery(
  eventId: string,
  p: EventPart,
  dest: Destination,
  at: string,
  cause?: string,
): Delivery {
  return {
    eventId,
    destinationId: dest.id,
    part: p.part,
    webhookId: p.webhookId,
    type: p.payload.type,
    status: 'pending',
    attempts: 0,
    round: 0,
    ...(cause !== undefined ? { roundCause: cause } : {}),
    destinationGeneration: dest.generation,
    createdAt: at,
    updatedAt: at,
  };
}

/** Creates the delivery and queues its first attempt; returns false if it already existed. */
async function ensureDelivery(
  deps: DeliveryDeps,
  eventId: string,
  p: EventPart,
  dest: Destination,
  now: string,
): Promise<boolean> {
  const d = newDelivery(eventId, p, dest, now);
  // An expired row (the event was re-sent after retention) is replaced: same webhook-id, new first send.
  const created = await deps.deliveries.createDelivery(d, deps.ttlSec(), Math.floor(deps.clock.now() / 1000));
  if (created === 'exists') {
    // A crash between create and enqueue would strand it: re-queue an untried one (the claim dedupes).
    const existing = await deps.deliveries.getDelivery(eventId, dest.id, p.part);
    if (existing?.status !== 'pending' || existing.attempts !== 0) return false;
    await enqueueAttempt(deps, existing, 0);
    return false;
  }
  await enqueueAttempt(deps, d, 0);
  return true;
}

export async function enqueueAttempt(
  deps: DeliveryDeps,
  d: Pick<Delivery, 'eventId' | 'destinationId' | 'part' | 'round'>,
  delaySec: number,
): Promise<void> {
  await deps.queue.send(
    {
      kind: 'delivery',
      eventId: d.eventId,
      destinationId: d.destinationId,
      part: d.part,
      round: d.round,
      attempt: 0,
      notBefore: deps.clock.now() + delaySec * 1000,
    },
    Math.min(delaySec, 900),
  );
}

/**
 * events-process core: a stored event -> read model (ordering guard), deliveries (one per event
 * part and matching destination, created once) and the EventBridge bus, unless it is off. Every
 * step is safe to repeat: a reprocessed record or a replay never applies a state twice or creates
 * a second delivery.
 */
import { recordFromItem } from '../events/codec.js';
import type { EventRecord } from '../events/record.js';
import type { AppPayload } from '../payments/model.js';
import { type HookbridgeAppEvent, normalise } from '../payments/normalise.js';
import { BUS_ENTRY_MAX_BYTES, busEntrySize } from '../ports/index.js';
import type { DeliveryDeps } from './deps.js';
import { matchesTypeFilter } from './schedule.js';
import type { Delivery, Destination, ObjectState, QueueMessage } from './types.js';

type DeliveryMessage = Extract<QueueMessage, { kind: 'delivery' }>;

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
  /** First attempts queued (the delivery itself is created by the attempt's claim). */
  deliveriesQueued: number;
  published: number;
}

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

/** One stream NEW_IMAGE item (already unmarshalled) and its record's sequence number. */
export interface StreamItem {
  item: Record<string, unknown>;
  /** The stream record's sequence number: its own retries may re-take its unconfirmed bus claim. */
  token?: string | undefined;
}

/**
 * Processes a stream batch's items concurrently (distinct events: order between them is the read
 * model's job): destinations are listed once for the batch and the bus publications it made are
 * confirmed together, one store call per batch instead of one per event.
 */
export async function processBatch(
  deps: DeliveryDeps,
  items: StreamItem[],
): Promise<PromiseSettledResult<ProcessResult>[]> {
  const destinations = batchDestinations(deps);
  const published: string[] = [];
  const outcomes = await Promise.allSettled(
    items.map(async ({ item, token }) => {
      const record = recordFromItem(item);
      const body = await deps.events.getBody(record, item);
      return processEvent(deps, record, body, destinations, token, published);
    }),
  );
  await confirmPublished(deps, published);
  return outcomes;
}

/**
 * Confirms the batch's publications. A failure here does not fail the events: they were
 * published, and reporting them failed would have the retry re-take their claims and publish
 * again. Unconfirmed, a claim can only be re-taken by its own stream record (which is not retried
 * when it succeeded) or after the lease by a later processing of the same event: the same
 * window a crash between PutEvents and the confirmation leaves.
 */
async function confirmPublished(deps: DeliveryDeps, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const at = new Date(deps.clock.now()).toISOString();
  try {
    await deps.busMarkers.confirmPublications(ids, at, deps.ttlSec());
  } catch (err) {
    deps.log.warn('bus publications not confirmed', {
      events: ids.length,
      code: (err as { code?: string }).code ?? (err as Error).name,
    });
  }
}

export async function processEvent(
  deps: DeliveryDeps,
  record: EventRecord,
  body: Buffer,
  destinations: DestinationLister = batchDestinations(deps),
  streamToken?: string,
  /** Collects the ids published, for the batch to confirm; without it each is confirmed at once. */
  published?: string[],
): Promise<ProcessResult> {
  const parts = partsOf(record, body);
  const now = new Date(deps.clock.now()).toISOString();
  const result: ProcessResult = { applied: 0, stale: 0, deliveriesQueued: 0, published: 0 };

  await Promise.all([
    applyReadModel(deps, record, parts, now, result),
    createDeliveries(deps, record, parts, now, result, destinations),
    // With the bus off there is no step 3: no marker, no PutEvents.
    deps.bus && publishOnce(deps, record, parts, { now, result, streamToken, published }),
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
      await queueFirstAttempt(deps, record.id, p, dest, now);
      result.deliveriesQueued++;
    }
  }
}

async function publishOnce(
  deps: DeliveryDeps,
  record: EventRecord,
  parts: EventPart[],
  run: {
    now: string;
    result: ProcessResult;
    streamToken: string | undefined;
    published?: string[] | undefined;
  },
): Promise<void> {
  // 3. The bus, once per event unless replayed: the marker is claimed first, released if publishing
  // fails and confirmed after it succeeded (with the batch's, when a batch collects them); an
  // unconfirmed claim of a dead invocation is re-taken.
  const { now, result, streamToken, published } = run;
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
  if (published) published.push(record.id);
  else await deps.busMarkers.confirmPublication(record.id, now, deps.ttlSec());
  result.published = parts.length;
}

/** Publishes the parts to the bus; nothing when the bus is off. */
export async function publishToBus(
  deps: Pick<DeliveryDeps, 'bus'>,
  record: EventRecord,
  parts: EventPart[],
  replay = false,
): Promise<void> {
  await deps.bus?.publish(
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

/**
 * Queues a part's first attempt to a destination, carrying what its delivery is made of: the
 * sender's claim creates the delivery (conditional on none existing), so a reprocessed record's
 * second message finds it and sends nothing, and creating and claiming are one write.
 */
async function queueFirstAttempt(
  deps: DeliveryDeps,
  eventId: string,
  p: EventPart,
  dest: Destination,
  now: string,
): Promise<void> {
  const first = { type: p.payload.type, generation: dest.generation, createdAt: now };
  await enqueueAttempt(
    deps,
    { eventId, destinationId: dest.id, part: p.part, round: 0 },
    0,
    p.payload,
    first,
  );
}

/**
 * The largest app payload (JSON bytes) a queued attempt carries; a larger one is read from the
 * event by the sender. Well inside SQS's 256 KB message limit, with room for the rest.
 */
export const MAX_CARRIED_PAYLOAD_BYTES = 128 * 1024;

/** The payload to carry in a queued attempt, or undefined when it is too large to carry. */
const carried = (payload: EventPart['payload'] | undefined) =>
  payload !== undefined && Buffer.byteLength(JSON.stringify(payload)) <= MAX_CARRIED_PAYLOAD_BYTES
    ? payload
    : undefined;

export async function enqueueAttempt(
  deps: DeliveryDeps,
  d: Pick<Delivery, 'eventId' | 'destinationId' | 'part' | 'round'>,
  delaySec: number,
  /** The part's app payload, carried so the sender need not read the event (sizes permitting). */
  payload?: EventPart['payload'],
  /** For a first attempt from events-process: the delivery to create with the claim. */
  create?: DeliveryMessage['create'],
): Promise<void> {
  const body = carried(payload);
  await deps.queue.send(
    {
      kind: 'delivery',
      eventId: d.eventId,
      destinationId: d.destinationId,
      part: d.part,
      round: d.round,
      attempt: 0,
      notBefore: deps.clock.now() + delaySec * 1000,
      ...(body !== undefined ? { payload: body } : {}),
      ...(create ? { create } : {}),
    },
    Math.min(delaySec, 900),
  );
}

/**
 * The single table's key schema: every pk/sk/gsi value and `kind` of every record, in one place.
 * Plain data and string builders, no AWS imports (the stream filter in infra/ reads EVENT.kind).
 * The strings are stored data: changing one orphans the items already written under it.
 */

/** Sort keys of a time-ordered index: `<time>#<id>` sorts by time, then id. */
const timeSk = (at: string, ...ids: (string | number)[]) => [at, ...ids].join('#');
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** FNV-1a of a string: a stable, well-spread shard number for any id. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const EVENT_SHARDS = 16;

export const EVENT = {
  kind: 'event',
  pk: (id: string) => `event#${id}`,
  sk: 'event',
  /**
   * gsi3: every event, spread over `shards` partitions by a hash of its id (so no index partition
   * takes more than about 1/shards of the writes, whatever the traffic shape), each newest first
   * by `receivedAt#id`. A list reads all shards and merges them.
   */
  shards: EVENT_SHARDS,
  listPk: (shard: number) => `events#${pad(shard, 2)}`,
  shardOf: (id: string) => hash32(id) % EVENT_SHARDS,
  listSk: (receivedAt: string, id: string) => timeSk(receivedAt, id),
} as const;

/** A large body's gzip chunks, under the event's partition; the body hash keeps two bodies apart. */
export const BODY_CHUNK = {
  kind: 'event_body',
  skPrefix: (sha256Hex: string) => `body#${sha256Hex.slice(0, 16)}#`,
  sk: (sha256Hex: string, n: number) => `${BODY_CHUNK.skPrefix(sha256Hex)}${pad(n, 4)}`,
} as const;

export const DESTINATION = {
  kind: 'destination',
  pk: (id: string) => `dest#${id}`,
  sk: 'destination',
  /** gsi1 partition listing every destination. */
  allPk: 'destinations',
} as const;

/** A destination's rate slots and in-flight leases (shared/adapters/dynamodb/flow.ts), beside its item. */
export const DESTINATION_FLOW = { kind: 'destination_flow', pk: DESTINATION.pk, sk: 'flow' } as const;

const DELIVERY_SHARDS = 16;

/** Deliveries live under their event's partition, so an event's deliveries are one query. */
export const DELIVERY = {
  kind: 'delivery',
  skPrefix: 'delivery#',
  sk: (destinationId: string, part: number) => `delivery#${destinationId}#${pad(part, 2)}`,
  /**
   * gsi1 partitions: a destination's pending deliveries (so deleting it can settle them) and dead
   * letters, each spread over `shards` partitions by a hash of the event id (one busy destination
   * is not one hot key); readers go through every shard.
   */
  shards: DELIVERY_SHARDS,
  pendingPk: (destinationId: string, shard: number) => `pending#${destinationId}#${pad(shard, 2)}`,
  deadLetterPk: (destinationId: string, shard: number) => `deadletter#${destinationId}#${pad(shard, 2)}`,
  shardOf: (eventId: string) => hash32(eventId) % DELIVERY_SHARDS,
  indexSk: (at: string, eventId: string, part: number) => timeSk(at, eventId, part),
} as const;

/**
 * A pull destination's stream: one partition per destination generation, holding its counter and
 * its messages, `msg#` + the zero-padded number, so a query reads them in delivery order.
 */
export const PULL_MESSAGE = {
  kind: 'pull_message',
  counterKind: 'pull_counter',
  pk: (destinationId: string, generation: string) => `pull#${destinationId}#${generation}`,
  counterSk: 'counter',
  sk: (seq: number) => `msg#${pad(seq, 12)}`,
  maxSeq: 999_999_999_999,
} as const;

export const ATTEMPT = {
  kind: 'delivery_attempt',
  sk: (a: { destinationId: string; part: number; round: number; attempt: number }) =>
    `${DELIVERY.sk(a.destinationId, a.part)}#attempt#${pad(a.round, 4)}#${pad(a.attempt, 2)}`,
} as const;

/** The payment read model: gsi2 finds an object by id across providers, gsi1 a customer's subscriptions. */
export const PAYMENT_OBJECT = {
  kind: 'payment_object',
  pk: (provider: string, type: string, id: string) => `payobj#${provider}#${type}#${id}`,
  sk: 'state',
  byIdPk: (type: string, id: string) => `payobj#${type}#${id}`,
  customerPk: (customerId: string) => `customer#${customerId}`,
  subscriptionSkPrefix: (provider?: string) => (provider ? `subscription#${provider}#` : 'subscription#'),
  subscriptionSk: (provider: string, id: string) => `subscription#${provider}#${id}`,
} as const;

/** The one bus publication of an event, under the event's partition. */
export const BUS_MARKER = { kind: 'bus_marker', sk: 'published#bus' } as const;

/** gsi1 partition `replays` lists the jobs newest first by `createdAt#id` (jobs written before it are not listed). */
export const REPLAY = {
  kind: 'replay',
  pk: (id: string) => `replay#${id}`,
  sk: 'replay',
  allPk: 'replays',
  listSk: (createdAt: string, id: string) => timeSk(createdAt, id),
} as const;

/** gsi1 by end user; gsi2 (`connections`, `{integrationId}#{status}#{id}`) for integration/status listings. */
export const CONNECTION = {
  kind: 'connection',
  pk: (id: string) => `conn#${id}`,
  sk: 'conn',
  userPk: (endUserId: string) => `conn#user#${endUserId}`,
  userSk: (c: { integrationId: string; id: string }) => `${c.integrationId}#${c.id}`,
  allPk: 'connections',
  statusSk: (c: { integrationId: string; status: string; id: string }) =>
    `${c.integrationId}#${c.status}#${c.id}`,
} as const;

/** A failed revocation's retry job; gsi2 (`revocations#due`, `<nextAttemptAt>#<id>`) holds the pending ones, soonest first. */
export const REVOCATION = {
  kind: 'revocation_job',
  pk: (connectionId: string) => `revoke#${connectionId}`,
  sk: 'revoke',
  duePk: 'revocations#due',
  dueSk: (nextAttemptAt: number, connectionId: string) => timeSk(pad(nextAttemptAt, 15), connectionId),
} as const;

export const SESSION = { kind: 'connect_session', pk: (id: string) => `csess#${id}`, sk: 'csess' } as const;

export const STATE = { kind: 'oauth_state', pk: (state: string) => `ostate#${state}`, sk: 'ostate' } as const;

export const INTEGRATION = {
  kind: 'integration',
  pk: (id: string) => `integration#${id}`,
  sk: 'integration',
  allPk: 'integrations',
} as const;

export const API_KEY = {
  kind: 'apikey',
  pk: (id: string) => `apikey#${id}`,
  sk: 'apikey',
  allPk: 'apikeys',
  listSk: (createdAt: string, id: string) => timeSk(createdAt, id),
} as const;

/** Console sessions (sign-in to sign-out); gsi1 `consolesessions` lists them all, to end them all at once. */
export const CONSOLE_SESSION = {
  kind: 'console_session',
  pk: (id: string) => `consolesess#${id}`,
  sk: 'consolesess',
  allPk: 'consolesessions',
  listSk: (expiresAt: number, id: string) => timeSk(String(expiresAt), id),
} as const;

/** Reconcilers: one item each (settings, checkpoint, runs and the run lease), listed through gsi1 by id. */
export const RECONCILER = {
  kind: 'reconciler',
  pk: (id: string) => `reconciler#${id}`,
  sk: 'reconciler',
  allPk: 'reconcilers',
} as const;

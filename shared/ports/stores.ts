/**
 * Ports for every store. The core depends on these interfaces only; shared/adapters/dynamodb
 * implements them on the single table and test/support has in-memory fakes. Cursors are opaque
 * strings: only the adapter knows the keys inside them (a malformed one is 400 invalid_cursor).
 */
import type { ApiKeyRecord } from '../auth/api-keys.js';
import type {
  ConnectionRecord,
  ConnectionStatus,
  ConnectSession,
  OAuthState,
  RevocationJob,
} from '../connections/model.js';
import type {
  Delivery,
  DeliveryAttempt,
  Destination,
  ObjectState,
  PullMessage,
  ReplayJob,
} from '../delivery/types.js';
import type { EventRecord } from '../events/record.js';
import type { IntegrationConfig, IntegrationRecord } from '../integrations/schema.js';
import type { ReconcileRun, Reconciler, ReconcilerSettings } from '../reconcile/types.js';

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  cursor?: string | undefined;
}

// --- events ---------------------------------------------------------------------------------

export type PutOutcome = 'stored' | 'duplicate' | 'duplicate_mismatch';

export interface EventFilters {
  provider?: string | undefined;
  source?: string | undefined;
  type?: string | undefined;
  /** The provider's own event id. */
  eventId?: string | undefined;
  /** ISO 8601 inclusive bounds on receivedAt. */
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
}

/** A stored event item as the stream hands it over (decoded by the core's event codec). */
export type StoredItem = Record<string, unknown>;

/** A live event and its stored item: handing the item back to `getBody` saves a read when the body is inline. */
export interface StoredEvent {
  record: EventRecord;
  item: StoredItem;
}

export interface EventRepo {
  /** Exactly once: a second put of the same record id is a duplicate (or a mismatch if the body differs). */
  put(record: EventRecord, rawBody: Buffer): Promise<PutOutcome>;
  get(id: string): Promise<EventRecord | undefined>;
  getStored(id: string): Promise<StoredEvent | undefined>;
  /** The record and its exact raw body, in one read when the body is inline. */
  getWithBody(id: string): Promise<{ record: EventRecord; body: Buffer } | undefined>;
  /** The exact raw body; `item` (a stream image) saves the read when the body is inline. */
  getBody(ref: string | EventRecord, item?: StoredItem): Promise<Buffer>;
  /** Newest first. */
  list(filters?: EventFilters, cursor?: string): Promise<Page<EventRecord>>;
  /** Which of these record ids are stored (live): a batch of reads, no write. */
  presentIds(ids: readonly string[]): Promise<Set<string>>;
}

// --- delivery -------------------------------------------------------------------------------

export interface DestinationRepo {
  putDestination(d: Destination): Promise<void>;
  getDestination(id: string): Promise<Destination | undefined>;
  deleteDestination(id: string): Promise<boolean>;
  /** Every destination (the delivery fan-out). */
  listDestinations(): Promise<Destination[]>;
  /** One page, by id. */
  pageDestinations(limit: number, cursor?: string): Promise<Page<Destination>>;
  disableDestination(id: string, reason: string, at: string): Promise<void>;
}

export type DeliveryKey = Pick<Delivery, 'eventId' | 'destinationId' | 'part'>;

export type ClaimResult =
  | { outcome: 'claimed'; delivery: Delivery }
  /** Someone holds a claim on this attempt that is not stale yet: try the message again later. */
  | { outcome: 'busy' }
  /** Stale or duplicate message: nothing to do. */
  | { outcome: 'skipped' };

export interface SettleChange {
  status: 'delivered' | 'pending' | 'dead';
  at: string;
  lastStatus: number;
  lastError?: string | undefined;
  nextAttemptAt?: string | undefined;
  deadReason?: string | undefined;
}

export interface DeliveryRepo {
  createDelivery(d: Delivery, ttl?: number, nowSec?: number): Promise<'created' | 'exists'>;
  getDelivery(eventId: string, destinationId: string, part: number): Promise<Delivery | undefined>;
  claimAttempt(
    d: DeliveryKey,
    round: number,
    attempt: number,
    at: string,
    staleBefore: string,
  ): Promise<ClaimResult>;
  recordAttempt(a: DeliveryAttempt, ttl?: number): Promise<void>;
  /** Gives back the claim of attempt `attempt` unsent (flow control made it wait): not counted, due at `nextAttemptAt`. */
  postponeAttempt(
    d: DeliveryKey,
    round: number,
    attempt: number,
    at: string,
    nextAttemptAt: string,
  ): Promise<void>;
  /**
   * Ends or reschedules the current round; guarded by round so a stale sender cannot overwrite a
   * replay. With `attempt`, the same write records the attempt (a stale sender's is still recorded).
   */
  settle(
    d: DeliveryKey,
    round: number,
    change: SettleChange,
    attempt?: { record: DeliveryAttempt; ttl?: number | undefined },
  ): Promise<void>;
  /** A new round (replay or redrive) unless `cause` already started the current one; its number, or undefined. */
  startRound(
    d: DeliveryKey,
    cause: string,
    at: string,
    onlyIfDead: boolean,
    generation?: string | undefined,
  ): Promise<number | undefined>;
  listForEvent(eventId: string): Promise<{ deliveries: Delivery[]; attempts: DeliveryAttempt[] }>;
  listDeadLetters(destinationId: string, limit?: number): Promise<Delivery[]>;
  /** One page: oldest first within each index shard; `limit` absent = 100. */
  listIndexedForDestination(
    destinationId: string,
    which: 'pending' | 'dead',
    cursor?: string,
    limit?: number,
  ): Promise<Page<Delivery>>;
  retireForDeletedDestination(d: Delivery, at: string): Promise<void>;
  /** How many deliveries a destination's pending or dead-letter list holds (counting stops at `cap`), and the oldest's time. */
  countIndexed(destinationId: string, which: 'pending' | 'dead', cap: number): Promise<IndexCount>;
}

export interface IndexCount {
  count: number;
  /** True when counting stopped at the cap: there are at least `count`. */
  capped: boolean;
  /** When the oldest entered the list (ISO 8601). */
  oldestAt?: string | undefined;
}

/** One pull destination's stream: a destination deleted and created again starts a new one. */
export type PullStream = Pick<PullMessage, 'destinationId' | 'generation'>;

/** The messages of pull destinations, numbered 1, 2, … per stream in the order they were stored. */
export interface PullMessageRepo {
  /** Takes the stream's next number and stores the message under it; returns the number. */
  appendMessage(m: Omit<PullMessage, 'seq'>, ttl?: number): Promise<number>;
  /** Up to `limit` messages numbered above `after`, lowest first (a number taken but not yet stored is missing). */
  listMessages(stream: PullStream, after: number, limit: number): Promise<PullMessage[]>;
  /** Forgets the stream's counter (its destination was deleted; the messages expire with their TTL). */
  dropStream(stream: PullStream): Promise<void>;
}

/** The normalised payment read model, with its ordering guard. */
export interface ReadModelRepo {
  /**
   * Writes `s` when its object is absent, when `s.order` sorts after the stored order, or when the
   * stored order has another basis (first character: `t` time, `v` version; a key left by an
   * earlier ordering rule); otherwise `stale`, changing nothing.
   */
  applyState(s: ObjectState): Promise<'applied' | 'stale'>;
  findObjects(objectType: string, objectId: string, provider?: string): Promise<ObjectState[]>;
  getObject(provider: string, objectType: string, objectId: string): Promise<ObjectState | undefined>;
  customerSubscriptions(customerId: string, provider?: string): Promise<ObjectState[]>;
}

/** At-most-once-at-a-time publication of an event to the bus (claim, then confirm or release). */
export interface BusMarkerRepo {
  claimPublication(
    eventId: string,
    at: string,
    opts: { ttl?: number; nowSec?: number; token?: string | undefined; staleBefore: string },
  ): Promise<boolean>;
  confirmPublication(eventId: string, at: string, ttl?: number): Promise<void>;
  /** Confirms several publications in as few store calls as the store allows (a stream batch's). */
  confirmPublications(eventIds: string[], at: string, ttl?: number): Promise<void>;
  releasePublication(eventId: string): Promise<void>;
}

export interface ReplayRepo {
  createReplay(job: ReplayJob): Promise<'created' | 'exists'>;
  getReplay(id: string): Promise<ReplayJob | undefined>;
  /** One page, newest first (by createdAt, then id). */
  listReplays(limit: number, cursor?: string): Promise<Page<ReplayJob>>;
  /** Moves the job past one page; conditional on the page it started from, so a page is counted once. */
  advanceReplay(
    job: ReplayJob,
    next: { cursor: string | undefined; scanned: number; queued: number; at: string },
  ): Promise<boolean>;
}

// --- reconcilers ----------------------------------------------------------------------------

export interface ReconcilerRepo {
  /** Creates or replaces the settings; keeps the checkpoint, the runs and the original createdAt. */
  save(
    r: Pick<Reconciler, 'id' | 'provider' | 'source'> & ReconcilerSettings,
    now: string,
  ): Promise<{ reconciler: Reconciler; created: boolean }>;
  get(id: string): Promise<Reconciler | undefined>;
  /** One page, by id. */
  list(limit: number, cursor?: string): Promise<Page<Reconciler>>;
  /** Takes the run lease unless another run holds one that has not expired; true if taken. */
  beginRun(id: string, owner: string, now: string, until: string): Promise<boolean>;
  /** The run so far (after each page), while `owner` holds the lease; false if it lost it. */
  saveProgress(id: string, owner: string, run: ReconcileRun): Promise<boolean>;
  /**
   * Ends the run and releases the lease: `lastRun`, the next scheduled time, and on completion the
   * new checkpoint (the progress is dropped); otherwise the progress is kept for the next run.
   */
  finishRun(
    id: string,
    owner: string,
    end: { run: ReconcileRun; nextRunAt: string; checkpoint?: string | undefined },
  ): Promise<void>;
}

// --- connections ----------------------------------------------------------------------------

export type SessionConsumeResult =
  | { ok: true; session: ConnectSession }
  | { ok: false; reason: 'unknown' | 'expired' | 'used' };

export type StateTakeResult = { ok: true; state: OAuthState } | { ok: false; reason: 'unknown' | 'binding' };

export interface ConnectionQuery {
  endUserId?: string | undefined;
  integrationId?: string | undefined;
  status?: ConnectionStatus | undefined;
  limit?: number;
  cursor?: string | undefined;
}

export interface LeaseUpdateOptions {
  bumpVersion: boolean;
  remove?: (keyof ConnectionRecord)[];
  /** Our lease ran out: condition on the version alone (only to keep tokens a refresh already rotated). */
  leaseLost?: boolean;
}

/** The short-lived records of the OAuth dance: connect sessions and authorization states. */
export interface OAuthSessionRepo {
  putSession(s: ConnectSession): Promise<void>;
  consumeSession(id: string, now: number): Promise<SessionConsumeResult>;
  getSession(id: string): Promise<ConnectSession | undefined>;
  putState(s: OAuthState): Promise<void>;
  /** Single use and browser-bound: a wrong binding hash never consumes the state. */
  takeState(state: string, now: number, bindingHash: string): Promise<StateTakeResult>;
}

/** Revocations that failed at delete, retried by the refresher (connections/revoke.ts). */
export interface RevocationJobRepo {
  /** Creates or replaces the job of a deleted connection. */
  putRevocation(job: RevocationJob): Promise<void>;
  getRevocation(connectionId: string): Promise<RevocationJob | undefined>;
  /** Pending jobs whose next attempt is due at `now`, soonest first. */
  dueRevocations(now: number, limit: number): Promise<RevocationJob[]>;
  /** Writes the job's next state if its attempt count is still `expectedAttempts` (one retrier wins). */
  updateRevocation(job: RevocationJob, expectedAttempts: number): Promise<boolean>;
}

export interface ConnectionRepo extends OAuthSessionRepo, RevocationJobRepo {
  get(id: string): Promise<ConnectionRecord | undefined>;
  save(c: ConnectionRecord, expectedVersion: number | undefined): Promise<boolean>;
  acquireLease(id: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  updateUnderLease(
    id: string,
    owner: string,
    expectedVersion: number,
    set: Partial<ConnectionRecord>,
    opts: LeaseUpdateOptions,
  ): Promise<boolean>;
  releaseLease(id: string, owner: string): Promise<void>;
  reseal(id: string, expectedVersion: number, tokens: string, kid: string): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  list(q: ConnectionQuery): Promise<Page<ConnectionRecord>>;
}

export interface IntegrationRepo {
  /** Creates or replaces; keeps the original createdAt. */
  put(
    id: string,
    config: IntegrationConfig,
    now: string,
  ): Promise<{ record: IntegrationRecord; created: boolean }>;
  get(id: string): Promise<IntegrationRecord | undefined>;
  list(limit?: number, cursor?: string): Promise<Page<IntegrationRecord>>;
}

export interface ApiKeyRepo {
  put(rec: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** A live key record, cached in-function for `maxAgeMs` (revocation in this instance is immediate). */
  getForAuth(id: string, now: number, maxAgeMs?: number): Promise<ApiKeyRecord | undefined>;
  list(limit?: number): Promise<ApiKeyRecord[]>;
  revoke(id: string, at: string): Promise<boolean>;
}

/** Console sessions, so sign-out ends a session server-side (a copied cookie stops at once). */
export interface ConsoleSessionRecord {
  id: string;
  keyId: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface ConsoleSessionRepo {
  put(s: ConsoleSessionRecord): Promise<void>;
  /** True while the session exists and has not expired (one consistent read). */
  isLive(id: string, now: number): Promise<boolean>;
  /** Ends one session; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Ends every session; how many were live. */
  deleteAll(now: number): Promise<number>;
}

// --- readiness ------------------------------------------------------------------------------

/** One cheap read that proves the store answers (GET /health/ready). */
export interface StoreProbe {
  ping(): Promise<void>;
}

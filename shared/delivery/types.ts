/** Records of the delivery pipeline: destinations, deliveries and their attempts, replay jobs, read-model state. */
import type { ObjectType } from '../payments/model.js';
import type { CircuitRecord, CircuitSettings } from './circuit.js';

/** `http`: each delivery is a signed POST to `url`. `pull`: it is stored for GET /destinations/{id}/messages. */
export type DestinationType = 'http' | 'pull';
export const DESTINATION_TYPES = ['http', 'pull'] as const satisfies readonly DestinationType[];
/** The longest `wait` of GET /destinations/{id}/messages (delivery-api's timeout leaves room for it). */
export const PULL_MAX_WAIT_SEC = 20;

export interface Destination {
  id: string;
  /** Absent = `http` (every destination made before pull destinations); the API always shows it. */
  type?: DestinationType | undefined;
  /** Where an `http` destination's deliveries are POSTed; absent on a `pull` destination. */
  url?: string | undefined;
  /** Event-type filters: exact (`payment.succeeded`), prefix (`payment.*`) or `*`. Empty = all. */
  types: string[];
  /** Standard Webhooks secret, `whsec_` + base64 of 24-64 random bytes. */
  secret: string;
  status: 'enabled' | 'disabled';
  disabledReason?: string | undefined;
  description?: string | undefined;
  /**
   * Random per creation: a destination deleted and created again under the same id is a new
   * generation, and deliveries made for the old one are never sent to it.
   */
  generation?: string | undefined;
  /** Flow control (shared/delivery/flow.ts): at most this many attempts start per second. */
  rateLimit?: { perSecond: number } | undefined;
  /** At most this many attempts are in flight at once, across every deliveries-send invocation. */
  maxInFlight?: number | undefined;
  /** The circuit breaker's settings (shared/delivery/circuit.ts; absent = its defaults). */
  circuitBreaker?: CircuitSettings | undefined;
  /** The breaker's state and counters (absent = closed, nothing counted). */
  circuit?: CircuitRecord | undefined;
  createdAt: string;
  updatedAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One (event part, destination) pair. Its webhook-id never changes, across retries and replays. */
export interface Delivery {
  eventId: string;
  destinationId: string;
  /** Index of the normalised event within the stored event (Adyen batches several). */
  part: number;
  webhookId: string;
  type: string;
  status: DeliveryStatus;
  /** Attempts made in the current round. */
  attempts: number;
  /** 0 for the first send; each replay or redrive starts a new round. */
  round: number;
  /** The replay job (or single replay) that started the current round; makes replays idempotent. */
  roundCause?: string | undefined;
  /** The generation of the destination this delivery is for (absent for rows made before generations). */
  destinationGeneration?: string | undefined;
  /** When the current attempt was claimed; removed when it is settled. */
  claimedAt?: string | undefined;
  nextAttemptAt?: string | undefined;
  lastStatus?: number | undefined;
  lastError?: string | undefined;
  deadReason?: string | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryAttempt {
  eventId: string;
  destinationId: string;
  part: number;
  round: number;
  attempt: number;
  at: string;
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  latencyMs: number;
  outcome: 'delivered' | 'retry' | 'dead' | 'gone';
  /** First 512 characters of the response body. */
  responseExcerpt?: string | undefined;
  error?: string | undefined;
  nextAttemptAt?: string | undefined;
}

export interface ObjectState {
  provider: string;
  objectType: ObjectType;
  objectId: string;
  /** The provider-ordering key of the event that produced this state (see shared/payments/util.ts). */
  order: string;
  status?: string | undefined;
  customerId?: string | undefined;
  amount?: { amount: number; currency: string } | undefined;
  lastType: string;
  lastEventId: string;
  occurredAt: string;
  updatedAt: string;
  /** The normalised event that produced this state. */
  event: Record<string, unknown>;
}

/**
 * A delivery to a pull destination, stored in its stream in delivery order (`seq` 1, 2, …). It
 * names the event part; the payload is rendered from the stored event when it is read, so it
 * expires with the event and holds no second copy of the body.
 */
export interface PullMessage {
  destinationId: string;
  /** The destination generation whose stream this is (`-` for destinations made before generations). */
  generation: string;
  seq: number;
  eventId: string;
  part: number;
  round: number;
  webhookId: string;
  type: string;
  /** When the sequence number was taken (the gap rule in shared/delivery/pull.ts reads it). */
  storedAt: string;
}

export interface ReplayJob {
  id: string;
  status: 'running' | 'done';
  from: string;
  to: string;
  provider?: string | undefined;
  /** The provider's raw type (filtered in the store query). */
  type?: string | undefined;
  /** A normalised type filter (exact, `payment.*`), applied to each event's normalised parts. */
  normalisedType?: string | undefined;
  destinationId?: string | undefined;
  cursor?: string | undefined;
  pages: number;
  eventsScanned: number;
  deliveriesQueued: number;
  createdAt: string;
  updatedAt: string;
}

export type { BusEntry, DeliveryQueue, EventBusPublisher, QueueMessage } from '../ports/messaging.js';

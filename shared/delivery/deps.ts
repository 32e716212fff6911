/**
 * What the delivery pipeline (events-process, deliveries-send, delivery-api) needs, as ports and
 * values. The container (infra/container) builds it once per cold start; tests build their own.
 */
import type { Logger } from '../log.js';
import type { OutboundNet } from '../outbound/send.js';
import type {
  BusMarkerRepo,
  Clock,
  DeliveryRepo,
  DestinationRepo,
  EventRepo,
  FlowRepo,
  PullMessageRepo,
  QueueStats,
  ReadModelRepo,
  ReplayRepo,
} from '../ports/index.js';
import type { DeliveryQueue, EventBusPublisher } from './types.js';

/** Also the outbound network (transport, resolver, test allow list) its sends go through. */
export interface DeliveryDeps extends OutboundNet {
  log: Logger;
  clock: Clock;
  destinations: DestinationRepo;
  /** Rate slots, in-flight leases and the circuit breaker (shared/delivery/flow.ts). */
  flow: FlowRepo;
  deliveries: DeliveryRepo;
  /** The streams of pull destinations (what deliveries-send stores instead of POSTing). */
  pullMessages: PullMessageRepo;
  readModel: ReadModelRepo;
  busMarkers: BusMarkerRepo;
  replays: ReplayRepo;
  events: EventRepo;
  queue: DeliveryQueue;
  /** The queues' depths (GET /health/pipeline); absent when no queue is configured. */
  queueStats?: QueueStats | undefined;
  /** The event bus; absent when it is off (HOOKBRIDGE_EVENT_BUS=off): nothing is published or marked. */
  bus?: EventBusPublisher | undefined;
  random: () => number;
  /** Per-attempt HTTP timeout. */
  timeoutMs: number;
  /** Deliveries and attempts expire with the events they belong to. */
  ttlSec: () => number;
}

/**
 * What the delivery pipeline (events-process, deliveries-send, delivery-api) needs, as ports and
 * values. The container (infra/container) builds it once per cold start; tests build their own.
 */
import type { Logger } from '../log.js';
import type { Resolver } from '../outbound/ssrf.js';
import type { Transport } from '../outbound/transport.js';
import type {
  BusMarkerRepo,
  Clock,
  DeliveryRepo,
  DestinationRepo,
  EventRepo,
  ReadModelRepo,
  ReplayRepo,
} from '../ports/index.js';
import type { DeliveryQueue, EventBusPublisher } from './types.js';

export interface DeliveryDeps {
  log: Logger;
  clock: Clock;
  destinations: DestinationRepo;
  deliveries: DeliveryRepo;
  readModel: ReadModelRepo;
  busMarkers: BusMarkerRepo;
  replays: ReplayRepo;
  events: EventRepo;
  queue: DeliveryQueue;
  bus: EventBusPublisher;
  /** The outbound module's pinned, no-redirect transport; the SSRF guard picks the address it connects to. */
  transport: Transport;
  resolver: Resolver;
  /** host:port pairs exempt from the SSRF address check (HOOKBRIDGE_TEST_ALLOW_HOSTS, local mode only). */
  testAllow: ReadonlySet<string>;
  random: () => number;
  /** Per-attempt HTTP timeout. */
  timeoutMs: number;
  /** Deliveries and attempts expire with the events they belong to. */
  ttlSec: () => number;
}

/**
 * The delivery pipeline's composition: stores from runtime(), and the queue and bus chosen by
 * environment. The local runtime injects its emulated queue and a recording bus with
 * setDeliveryTransport(); on AWS the SQS / EventBridge adapters are used.
 */
import { DeliveryStore } from '../adapters/dynamodb/delivery.js';
import { EventStore } from '../adapters/dynamodb/events.js';
import { EventBridgePublisher, RecordingPublisher } from '../adapters/eventbridge.js';
import { SqsDeliveryQueue } from '../adapters/sqs-queue.js';
import { HookbridgeError } from '../errors.js';
import { type Resolver, systemResolver } from '../outbound/ssrf.js';
import { nodeTransport, type Transport } from '../outbound/transport.js';
import { loadProxyPolicy } from '../proxy/config.js';
import { type Runtime, runtime } from '../runtime.js';
import type { DeliveryQueue, EventBusPublisher } from './types.js';

export interface DeliveryDeps {
  rt: Runtime;
  store: DeliveryStore;
  events: EventStore;
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

let transport: {
  queue?: DeliveryQueue | undefined;
  bus?: EventBusPublisher | undefined;
  transport?: Transport | undefined;
} = {};
let resolverOverride: Resolver | undefined;
let cached: { rt: Runtime; deps: DeliveryDeps } | undefined;

export function setDeliveryTransport(t: typeof transport): void {
  transport = t;
  cached = undefined;
}

/** Tests: make destination host names resolve wherever the test says (to prove private answers are refused). */
export function setDeliveryResolver(resolver: Resolver | undefined): void {
  resolverOverride = resolver;
  cached = undefined;
}

const unconfiguredQueue: DeliveryQueue = {
  send: async () => {
    throw new HookbridgeError('misconfigured', 'HOOKBRIDGE_DELIVERY_QUEUE_URL is not set');
  },
};

export function deliveryDeps(): DeliveryDeps {
  const rt = runtime();
  if (cached?.rt === rt) return cached.deps;
  const env = process.env;
  const queueUrl = env.HOOKBRIDGE_DELIVERY_QUEUE_URL;
  const busName = env.HOOKBRIDGE_EVENT_BUS_NAME;
  const timeoutMs = Number(env.HOOKBRIDGE_DELIVERY_TIMEOUT_MS ?? 10_000) || 10_000;
  const deps: DeliveryDeps = {
    rt,
    store: new DeliveryStore(rt.ddb, rt.table),
    events: new EventStore(rt.ddb, rt.table, {
      retentionDays: rt.config.HOOKBRIDGE_EVENT_RETENTION_DAYS,
      now: () => rt.clock.now(),
    }),
    queue:
      transport.queue ??
      (queueUrl ? new SqsDeliveryQueue(queueUrl, rt.config.AWS_REGION) : unconfiguredQueue),
    bus:
      transport.bus ??
      (busName ? new EventBridgePublisher(busName, rt.config.AWS_REGION) : new RecordingPublisher()),
    transport: transport.transport ?? nodeTransport,
    resolver: resolverOverride ?? systemResolver,
    testAllow: loadProxyPolicy().testAllow,
    random: Math.random,
    timeoutMs,
    ttlSec: () => Math.floor(rt.clock.now() / 1000) + rt.config.HOOKBRIDGE_EVENT_RETENTION_DAYS * 86_400,
  };
  cached = { rt, deps };
  return deps;
}

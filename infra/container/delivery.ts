/** The composition root, delivery part: the pipeline's stores, the queue and bus, the outbound transport. */
import { DynamoBusMarkerRepo } from '../../shared/adapters/dynamodb/bus-markers.js';
import { DynamoDeliveryRepo } from '../../shared/adapters/dynamodb/deliveries.js';
import { DynamoDestinationRepo } from '../../shared/adapters/dynamodb/destinations.js';
import { DynamoFlowRepo } from '../../shared/adapters/dynamodb/flow.js';
import { DynamoPullMessageRepo } from '../../shared/adapters/dynamodb/pull-messages.js';
import { DynamoReadModelRepo } from '../../shared/adapters/dynamodb/read-model.js';
import { DynamoReplayRepo } from '../../shared/adapters/dynamodb/replays.js';
import { imageToItem } from '../../shared/adapters/dynamodb/stream.js';
import { EventBridgePublisher, RecordingPublisher } from '../../shared/adapters/eventbridge.js';
import { SqsDeliveryQueue } from '../../shared/adapters/sqs-queue.js';
import { SqsQueueStats } from '../../shared/adapters/sqs-stats.js';
import type { Config } from '../../shared/config/index.js';
import type { DeliveryDeps } from '../../shared/delivery/deps.js';
import { HookbridgeError } from '../../shared/errors.js';
import type { DeliveryQueue, EventBusPublisher, StoredItem } from '../../shared/ports/index.js';
import { type BaseContainer, buildBase, type Overrides } from './core.js';

export interface DeliveryContainer extends BaseContainer {
  delivery: DeliveryDeps;
  /** A DynamoDB stream NewImage (attribute-value JSON) as the stored item the core decodes. */
  streamItem: (image: Record<string, unknown>) => StoredItem;
}

const unconfiguredQueue: DeliveryQueue = {
  send: async () => {
    throw new HookbridgeError('misconfigured', 'HOOKBRIDGE_DELIVERY_QUEUE_URL is not set');
  },
};

/** The delivery queue and the dead-letter queues the stack names, when it names them. */
function sqsStats(config: Config): SqsQueueStats | undefined {
  const url = config.HOOKBRIDGE_DELIVERY_QUEUE_URL;
  if (!url) return undefined;
  const dlqs = (config.HOOKBRIDGE_DEAD_LETTER_QUEUE_URLS ?? '').split(',').map((u) => u.trim());
  return new SqsQueueStats(
    [
      { url, role: 'delivery' },
      ...dlqs.filter(Boolean).map((u) => ({ url: u, role: 'dead-letter' as const })),
    ],
    config.AWS_REGION,
  );
}

/** The bus the stack names, else one that only records (local mode and tests). */
const eventBus = (config: Config): EventBusPublisher =>
  config.HOOKBRIDGE_EVENT_BUS_NAME
    ? new EventBridgePublisher(config.HOOKBRIDGE_EVENT_BUS_NAME, config.AWS_REGION)
    : new RecordingPublisher();

export function deliveryPart(core: BaseContainer): DeliveryDeps {
  const { config, overrides: o, clock, table } = core;
  const region = config.AWS_REGION;
  return {
    log: core.log,
    clock,
    destinations: new DynamoDestinationRepo(table.ddb, table.name),
    flow: new DynamoFlowRepo(table.ddb, table.name),
    deliveries: new DynamoDeliveryRepo(table.ddb, table.name),
    pullMessages: new DynamoPullMessageRepo(table.ddb, table.name),
    readModel: new DynamoReadModelRepo(table.ddb, table.name),
    busMarkers: new DynamoBusMarkerRepo(table.ddb, table.name),
    replays: new DynamoReplayRepo(table.ddb, table.name),
    events: core.events,
    queue:
      o.queue ??
      (config.HOOKBRIDGE_DELIVERY_QUEUE_URL
        ? new SqsDeliveryQueue(config.HOOKBRIDGE_DELIVERY_QUEUE_URL, region)
        : unconfiguredQueue),
    queueStats: o.queueStats ?? sqsStats(config),
    bus: config.HOOKBRIDGE_EVENT_BUS === 'off' ? undefined : (o.bus ?? eventBus(config)),
    ...core.net,
    random: o.random ?? Math.random,
    timeoutMs: config.HOOKBRIDGE_DELIVERY_TIMEOUT_MS,
    ttlSec: () => Math.floor(clock.now() / 1000) + config.HOOKBRIDGE_EVENT_RETENTION_DAYS * 86_400,
  };
}

export function buildDeliveryContainer(config: Config, overrides?: Overrides): DeliveryContainer {
  const core = buildBase(config, overrides);
  return { ...core, delivery: deliveryPart(core), streamItem: imageToItem };
}

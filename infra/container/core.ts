/**
 * The composition root, part 1: what every function needs (config, log, clock, secrets, the
 * table's client, API keys, events). The one place, with its sibling parts, that picks adapters:
 * the core sees ports only. Parts are separate modules so each Lambda bundle holds only what its
 * function uses (the webhook hot path never loads the delivery queue's or OAuth's code).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoApiKeyRepo } from '../../shared/adapters/dynamodb/api-keys.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoConsoleSessionRepo } from '../../shared/adapters/dynamodb/console-sessions.js';
import { DynamoEventRepo } from '../../shared/adapters/dynamodb/events.js';
import { DynamoStoreProbe } from '../../shared/adapters/dynamodb/probe.js';
import { LocalFileSecretStore } from '../../shared/adapters/local-secrets.js';
import { SecretsManagerStore } from '../../shared/adapters/secrets-manager.js';
import type { AuthDeps } from '../../shared/auth/authenticate.js';
import type { Config } from '../../shared/config/index.js';
import type { AppEventPublisher } from '../../shared/events/app-events.js';
import type { HttpOptions } from '../../shared/http/lambda.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { OutboundNet } from '../../shared/outbound/send.js';
import { type Resolver, systemResolver } from '../../shared/outbound/ssrf.js';
import { nodeTransport, type Transport } from '../../shared/outbound/transport.js';
import {
  type ApiKeyRepo,
  type CallGuard,
  type Clock,
  type DeliveryQueue,
  type EventBusPublisher,
  type EventRepo,
  type Fetch,
  type QueueStats,
  type SecretStore,
  type StoreProbe,
  systemClock,
} from '../../shared/ports/index.js';
import { type ProxyPolicy, proxyPolicy } from '../../shared/proxy/config.js';
import { SecretCache } from '../../shared/secrets.js';

/** What the local runtime and tests may replace; production passes none. */
export interface Overrides {
  clock?: Clock;
  secretStore?: SecretStore;
  /** Sees every DynamoDB call and secret read (the local runtime's IAM check). */
  guard?: CallGuard;
  /** Where host names resolve for the SSRF guard (tests prove private answers are refused). */
  resolver?: Resolver;
  transport?: Transport;
  queue?: DeliveryQueue;
  /** The queues' depths (the local runtime's queue). */
  queueStats?: QueueStats;
  bus?: EventBusPublisher;
  /** OAuth calls: replaces the guarded fetch (bypassing the SSRF guard). */
  fetch?: Fetch;
  sleep?: (ms: number) => Promise<void>;
  tokenBudgetMs?: number;
  appEvents?: AppEventPublisher;
  random?: () => number;
  /** Where log lines go (default stdout): the local runtime reads its activity lines from them. */
  logWrite?: (line: string) => void;
}

export interface CoreContainer {
  config: Config;
  log: Logger;
  clock: Clock;
  secrets: SecretCache;
  apiKeys: ApiKeyRepo;
  /** One cheap table read (readiness). */
  storeProbe: StoreProbe;
  /** What httpHandler needs: the log, API-key auth and the public base URL. */
  http: HttpOptions & { auth: AuthDeps };
  overrides: Overrides;
  /** @internal the table client the other parts share. */
  readonly table: { ddb: DynamoDBDocumentClient; name: string };
  close(): void;
}

export function buildCore(config: Config, overrides: Overrides = {}): CoreContainer {
  const clock = overrides.clock ?? systemClock;
  const log = createLogger(
    { service: 'hookbridge' },
    { level: config.HOOKBRIDGE_LOG_LEVEL, write: overrides.logWrite },
  );
  const store =
    overrides.secretStore ??
    (config.HOOKBRIDGE_SECRETS_BACKEND === 'file'
      ? new LocalFileSecretStore(config.HOOKBRIDGE_SECRETS_FILE)
      : new SecretsManagerStore(config.AWS_REGION));
  // The file store re-parses only a changed file, so it is read through (an edit applies at once).
  const secrets = new SecretCache(
    store,
    clock,
    store instanceof LocalFileSecretStore ? 0 : config.HOOKBRIDGE_SECRETS_CACHE_SECONDS * 1000,
    undefined,
    undefined,
    overrides.guard,
  );
  const ddb = createDocumentClient({
    region: config.AWS_REGION,
    endpoint: config.HOOKBRIDGE_DYNAMODB_ENDPOINT,
    guard: overrides.guard,
  });
  const name = config.HOOKBRIDGE_TABLE;
  const apiKeys = new DynamoApiKeyRepo(ddb, name);
  return {
    config,
    log,
    clock,
    secrets,
    apiKeys,
    storeProbe: new DynamoStoreProbe(ddb, name),
    http: {
      log,
      auth: {
        apiKeys,
        consoleSessions: new DynamoConsoleSessionRepo(ddb, name),
        secrets,
        clock,
        adminKey: config.HOOKBRIDGE_API_KEY,
      },
      publicUrl: config.HOOKBRIDGE_PUBLIC_URL,
    },
    overrides,
    table: { ddb, name },
    close: () => ddb.destroy(),
  };
}

/** The core plus the event repo (the events API needs nothing else). */
export interface EventsContainer extends CoreContainer {
  events: EventRepo;
}

export function buildEvents(config: Config, overrides: Overrides = {}): EventsContainer {
  const core = buildCore(config, overrides);
  const { clock, table } = core;
  return {
    ...core,
    events: new DynamoEventRepo(table.ddb, table.name, {
      retentionDays: config.HOOKBRIDGE_EVENT_RETENTION_DAYS,
      now: () => clock.now(),
    }),
  };
}

/** The core, events and the outbound network: what every function but the API-key, meta and events ones uses. */
export interface BaseContainer extends EventsContainer {
  /** Every server-initiated call's transport, resolver and test allow list (SSRF guard). */
  net: OutboundNet;
  /** Outbound timeouts, retries and caps, from config. */
  policy: ProxyPolicy;
}

// Separate builders, so each bundle leaves out what its function never uses (the event store, the outbound code).
export function buildBase(config: Config, overrides: Overrides = {}): BaseContainer {
  const withEvents = buildEvents(config, overrides);
  const policy = proxyPolicy(config);
  return {
    ...withEvents,
    net: {
      transport: overrides.transport ?? nodeTransport,
      resolver: overrides.resolver ?? systemResolver,
      testAllow: policy.testAllow,
    },
    policy,
  };
}

/**
 * The composition root: builds the adapters from validated config, once per process (cold start),
 * lazily. Handlers call `runtime()`; the local runtime calls `resetRuntime()` after it has set the
 * environment, and tests may swap the clock.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoApiKeyRepo } from './adapters/dynamodb/api-keys.js';
import { createDocumentClient } from './adapters/dynamodb/client.js';
import { LocalFileSecretStore } from './adapters/local-secrets.js';
import { SecretsManagerStore } from './adapters/secrets-manager.js';
import { type Config, loadConfig } from './config/index.js';
import { createLogger, type Logger } from './log.js';
import { type ApiKeyRepo, type Clock, type SecretStore, systemClock } from './ports/index.js';
import { SecretCache } from './secrets.js';

export interface Runtime {
  config: Config;
  log: Logger;
  clock: Clock;
  ddb: DynamoDBDocumentClient;
  table: string;
  secrets: SecretCache;
  apiKeys: ApiKeyRepo;
}

let current: Runtime | undefined;
let clockOverride: Clock | undefined;

export function runtime(): Runtime {
  current ??= build();
  return current;
}

export function resetRuntime(): void {
  current?.ddb.destroy();
  current = undefined;
}

/** Tests and the local runtime may pin time; production always uses the system clock. */
export function setClock(clock: Clock | undefined): void {
  clockOverride = clock;
  resetRuntime();
}

function build(): Runtime {
  const config = loadConfig();
  const clock = clockOverride ?? systemClock;
  const store: SecretStore =
    config.HOOKBRIDGE_SECRETS_BACKEND === 'file'
      ? new LocalFileSecretStore(config.HOOKBRIDGE_SECRETS_FILE)
      : new SecretsManagerStore(config.AWS_REGION);
  const ddb = createDocumentClient({
    region: config.AWS_REGION,
    endpoint: config.HOOKBRIDGE_DYNAMODB_ENDPOINT,
  });
  const table = config.HOOKBRIDGE_TABLE;
  return {
    config,
    log: createLogger({ service: 'hookbridge' }, { level: config.HOOKBRIDGE_LOG_LEVEL }),
    clock,
    ddb,
    table,
    secrets: new SecretCache(store, clock, config.HOOKBRIDGE_SECRETS_CACHE_SECONDS * 1000),
    apiKeys: new DynamoApiKeyRepo(ddb, table),
  };
}

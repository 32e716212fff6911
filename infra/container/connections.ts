/** The composition root, connections part: stores, vault and client credentials, guarded fetch, app events. */
import { DynamoConnectionRepo } from '../../shared/adapters/dynamodb/connections.js';
import { DynamoIntegrationRepo } from '../../shared/adapters/dynamodb/integrations.js';
import { type Config, devOAuthIssuer } from '../../shared/config/index.js';
import {
  type ConnectionDeps,
  connectionCaches,
  credentialsFrom,
  TOKEN_BUDGET_MS,
} from '../../shared/connections/deps.js';
import { storedAppEvents } from '../../shared/delivery/app-event-publisher.js';
import { integrationConfigSchema } from '../../shared/integrations/schema.js';
import { guardedFetch } from '../../shared/outbound/fetch.js';
import { type BaseContainer, buildBase, type Overrides } from './core.js';

export interface ConnectionsContainer extends BaseContainer {
  connections: ConnectionDeps;
}

export function connectionsPart(core: BaseContainer): ConnectionDeps {
  const { config, overrides: o, clock, table } = core;
  return {
    store: new DynamoConnectionRepo(table.ddb, table.name),
    integrations: new DynamoIntegrationRepo(table.ddb, table.name),
    secrets: core.secrets,
    log: core.log,
    now: () => clock.now(),
    fetch:
      o.fetch ??
      guardedFetch({
        ...core.net,
      }),
    sleep: o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    tokenBudgetMs: o.tokenBudgetMs ?? TOKEN_BUDGET_MS,
    ...credentialsFrom(core.secrets, config.HOOKBRIDGE_SECRETS_FILE, devOAuthIssuer(config)),
    appEvents: o.appEvents ?? storedAppEvents(core.events, clock),
    caches: connectionCaches(),
    inflight: new Map(),
    integrationSchema: integrationConfigSchema(config.HOOKBRIDGE_LOCAL, devOAuthIssuer(config) !== undefined)
      .config,
    devIssuer: devOAuthIssuer(config),
  };
}

export function buildConnectionsContainer(config: Config, overrides?: Overrides): ConnectionsContainer {
  const core = buildBase(config, overrides);
  return { ...core, connections: connectionsPart(core) };
}

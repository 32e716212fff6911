/** The composition root, proxy part: integrations, secrets, connection tokens, client-credentials tokens, outbound policy. */
import { DynamoIntegrationRepo } from '../../shared/adapters/dynamodb/integrations.js';
import { type Config, devOAuthIssuer } from '../../shared/config/index.js';
import type { ConnectionDeps } from '../../shared/connections/deps.js';
import { getFreshAccessToken } from '../../shared/connections/tokens.js';
import { sendWithPolicy } from '../../shared/outbound/policy.js';
import type { ProxyDeps } from '../../shared/proxy/client.js';
import { ClientCredentialsTokens } from '../../shared/proxy/client-credentials.js';
import { connectionsPart } from './connections.js';
import { type BaseContainer, buildBase, type Overrides } from './core.js';

export interface ProxyContainer extends BaseContainer {
  proxy: ProxyDeps;
}

/** `connections` is built on the first connection call, so integration-only calls never build the OAuth side. */
export function proxyPart(core: BaseContainer, connections?: ConnectionDeps): ProxyDeps {
  const { overrides: o, clock, table } = core;
  const now = () => clock.now();
  const outbound = {
    ...core.net,
    policy: core.policy,
    now,
    // Real waits even when tests make OAuth backoff instant: the proxy's retry timing is under test.
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    random: o.random ?? Math.random,
    log: core.log,
  };
  let conn = connections;
  return {
    integrations: connections?.integrations ?? new DynamoIntegrationRepo(table.ddb, table.name),
    secrets: core.secrets,
    connectionTokens: (id, opts) => {
      conn ??= connectionsPart(core);
      return getFreshAccessToken(conn, id, opts);
    },
    clientCredentials: new ClientCredentialsTokens((call) => sendWithPolicy(call, outbound), now),
    outbound,
    secretsFile: core.config.HOOKBRIDGE_SECRETS_FILE,
    devIssuer: devOAuthIssuer(core.config),
  };
}

export function buildProxyContainer(config: Config, overrides?: Overrides): ProxyContainer {
  const core = buildBase(config, overrides);
  return { ...core, proxy: proxyPart(core) };
}

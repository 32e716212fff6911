/**
 * What the connections core needs, built lazily from the runtime (once per runtime): the stores,
 * the vault (from `hookbridge/vault`), client credentials (`hookbridge/oauth/{id}`), fetch and
 * the clock. Tests may swap `fetch` and `sleep`.
 */
import { ConnectionStore } from '../adapters/dynamodb/connections.js';
import { IntegrationStore } from '../adapters/dynamodb/integrations.js';
import { HookbridgeError } from '../errors.js';
import { integrationSecretName } from '../integrations/schema.js';
import type { Logger } from '../log.js';
import type { ClientCredentials } from '../oauth/protocol.js';
import { guardedFetch } from '../outbound/fetch.js';
import { type Resolver, systemResolver } from '../outbound/ssrf.js';
import { nodeTransport } from '../outbound/transport.js';
import type { Fetch } from '../ports/index.js';
import { loadProxyPolicy } from '../proxy/config.js';
import { type Runtime, runtime } from '../runtime.js';
import { TokenVault, VAULT_SECRET_NAME } from '../vault/vault.js';

export interface ConnectionDeps {
  rt: Runtime;
  store: ConnectionStore;
  integrations: IntegrationStore;
  log: Logger;
  now(): number;
  fetch: Fetch;
  sleep(ms: number): Promise<void>;
  /** How long one token read may take in all (lease wait + refresh): below the 29 s Lambda timeout. */
  tokenBudgetMs: number;
  vault(): Promise<TokenVault>;
  /** Re-reads the vault secret after an unknown kid (rotation in another process); at most once a minute. */
  reloadVault(): Promise<boolean>;
  clientCredentials(integrationId: string): Promise<ClientCredentials>;
}

let built: { rt: Runtime; deps: ConnectionDeps } | undefined;
type Overrides = Partial<Pick<ConnectionDeps, 'fetch' | 'sleep' | 'tokenBudgetMs'>> & {
  resolver?: Resolver;
};

export const TOKEN_BUDGET_MS = 25_000;
let overrides: Overrides = {};

/**
 * Tests: replace outbound fetch (which bypasses the SSRF guard), the guard's resolver or the
 * backoff sleep. Also rebuilds the deps, so a changed HOOKBRIDGE_TEST_ALLOW_HOSTS is re-read.
 */
export function setConnectionOverrides(o: Overrides): void {
  overrides = o;
  built = undefined;
}

export function connectionDeps(): ConnectionDeps {
  const rt = runtime();
  if (built?.rt === rt) return built.deps;
  let vaultFor: { value: unknown; vault: TokenVault } | undefined;
  const deps: ConnectionDeps = {
    rt,
    store: new ConnectionStore(rt.ddb, rt.table),
    integrations: new IntegrationStore(rt.ddb, rt.table),
    log: rt.log,
    now: () => rt.clock.now(),
    fetch:
      overrides.fetch ??
      guardedFetch({
        resolver: overrides.resolver ?? systemResolver,
        transport: nodeTransport,
        testAllow: loadProxyPolicy().testAllow,
      }),
    sleep: overrides.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    tokenBudgetMs: overrides.tokenBudgetMs ?? TOKEN_BUDGET_MS,
    async vault() {
      const value = await rt.secrets.get(VAULT_SECRET_NAME);
      if (!vaultFor || vaultFor.value !== value) vaultFor = { value, vault: new TokenVault(value) };
      return vaultFor.vault;
    },
    reloadVault: () => rt.secrets.refreshAfterFailure(VAULT_SECRET_NAME),
    async clientCredentials(integrationId) {
      const name = integrationSecretName(integrationId);
      const v = (await rt.secrets.get(name)) as { clientId?: unknown; clientSecret?: unknown } | undefined;
      if (!v || typeof v.clientId !== 'string' || typeof v.clientSecret !== 'string') {
        throw new HookbridgeError(
          'misconfigured',
          `Secret ${name} is missing or has no {"clientId","clientSecret"} strings`,
        );
      }
      return { clientId: v.clientId, clientSecret: v.clientSecret };
    },
  };
  built = { rt, deps };
  return deps;
}

/** Opens sealed tokens; an unknown kid triggers one re-read of the vault secret (a rotation elsewhere). */
export async function openTokens<T>(deps: ConnectionDeps, jwe: string): Promise<T> {
  try {
    return await (await deps.vault()).open<T>(jwe);
  } catch (err) {
    if (err instanceof HookbridgeError && err.code === 'misconfigured' && (await deps.reloadVault())) {
      return (await deps.vault()).open<T>(jwe);
    }
    throw err;
  }
}

export async function sendSpec(
  deps: ConnectionDeps,
  spec: { url: string; method: string; headers: Record<string, string>; body: string },
  timeoutMs = 8_000,
): Promise<{ status: number; text: string }> {
  const res = await deps.fetch(spec.url, {
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
  });
  return { status: res.status, text: await res.text() };
}

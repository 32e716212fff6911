/**
 * The proxy's dependencies, built lazily from the runtime (once per runtime): the integration
 * store, the secret cache, connection tokens, the client-credentials token cache and the
 * outbound policy read from config at cold start. Tests may inject a resolver.
 */
import { IntegrationStore } from '../adapters/dynamodb/integrations.js';
import { sendWithPolicy } from '../outbound/policy.js';
import { type Resolver, systemResolver } from '../outbound/ssrf.js';
import { nodeTransport } from '../outbound/transport.js';
import { type Runtime, runtime } from '../runtime.js';
import type { ProxyDeps } from './client.js';
import { ClientCredentialsTokens } from './client-credentials.js';
import { loadProxyPolicy } from './config.js';

let built: { rt: Runtime; deps: ProxyDeps } | undefined;
let resolverOverride: Resolver | undefined;

/** Tests: make host names resolve wherever the test says (to prove private answers are refused). */
export function setProxyResolver(resolver: Resolver | undefined): void {
  resolverOverride = resolver;
  built = undefined;
}

export function proxyDeps(): ProxyDeps {
  const rt = runtime();
  if (built?.rt === rt) return built.deps;
  const now = () => rt.clock.now();
  const outbound = {
    transport: nodeTransport,
    resolver: resolverOverride ?? systemResolver,
    policy: loadProxyPolicy(),
    now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    random: Math.random,
    log: rt.log,
  };
  const deps: ProxyDeps = {
    integrations: new IntegrationStore(rt.ddb, rt.table),
    secrets: rt.secrets,
    // Loaded on first use, so integration-only calls never load the OAuth stack.
    connectionTokens: async (id, opts) =>
      (await import('../connections/tokens.js')).getFreshAccessToken(id, opts),
    clientCredentials: new ClientCredentialsTokens((call) => sendWithPolicy(call, outbound), now),
    outbound,
  };
  built = { rt, deps };
  return deps;
}

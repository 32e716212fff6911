/**
 * What the connections core needs, as ports and values: the stores, the vault (from
 * `hookbridge/vault`), client credentials (`hookbridge/oauth/{id}`), the guarded fetch, the clock
 * and the app-event publisher. The container (infra/container) builds it once per cold start.
 */

import type { createRemoteJWKSet, JWK } from 'jose';
import { HookbridgeError } from '../errors.js';
import type { AppEventPublisher } from '../events/app-events.js';
import type { integrationConfigSchema } from '../integrations/schema.js';
import type { Logger } from '../log.js';
import { type DiscoveryCache, resolveProvider } from '../oauth/discovery.js';
import type { ClientCredentials } from '../oauth/protocol.js';
import { DEV_NOT_RUNNING, DEV_PROVIDER } from '../oauth/providers.js';
import type { ConnectionRepo, Fetch, IntegrationRepo } from '../ports/index.js';
import { oauthClientSecretName } from '../secret-names.js';
import { placeholderError, SECRET_PLACEHOLDER, type SecretCache } from '../secrets.js';
import { TokenVault, VAULT_SECRET_NAME } from '../vault/vault.js';
import type { OpenedTokens } from './token-view.js';
import type { FreshAccessToken } from './tokens.js';

export interface ConnectionDeps {
  store: ConnectionRepo;
  integrations: IntegrationRepo;
  secrets: SecretCache;
  log: Logger;
  now(): number;
  fetch: Fetch;
  sleep(ms: number): Promise<void>;
  /** How long one token read may take in all (lease wait + refresh): below the 29 s Lambda timeout. */
  tokenBudgetMs: number;
  vault(): Promise<TokenVault>;
  /** Re-reads the vault secret after an unknown kid (rotation in another process); when the cached copy is over 3 s old. */
  reloadVault(): Promise<boolean>;
  /** `hookbridge/oauth/{integrationId}`, or the dev provider's client for `provider: "dev"`. */
  clientCredentials(integrationId: string, provider: string): Promise<ClientCredentials>;
  appEvents: AppEventPublisher;
  /** In-function caches, one set per container: decrypted tokens, JWKS, discovery documents. */
  caches: ConnectionCaches;
  /** Concurrent reads of one connection in this instance share one refresh. */
  inflight: Map<string, Promise<FreshAccessToken>>;
  /** The `PUT /integrations/{id}` body, built for this mode (local mode allows loopback server URLs). */
  integrationSchema: ReturnType<typeof integrationConfigSchema>['config'];
  /** The local runtime's dev OpenID provider, in local mode when it runs (HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER). */
  devIssuer?: string | undefined;
}

export const TOKEN_BUDGET_MS = 25_000;

export interface ConnectionCaches {
  /** Decrypted tokens, valid only for the exact sealed JWE they came from (bounded). */
  tokens: OpenedTokens;
  /** `forcedAt`: the last re-fetch for an unknown kid inside the cooldown (id-token.ts). */
  jwks: Map<string, { fetch: unknown; set: ReturnType<typeof createRemoteJWKSet>; forcedAt?: number }>;
  discovery: DiscoveryCache;
}

export const connectionCaches = (): ConnectionCaches => ({
  tokens: new Map(),
  jwks: new Map(),
  discovery: new Map(),
});

const CLIENT_EXAMPLE = '{"clientId":"…","clientSecret":"…"}';

/** The vault and client credentials, read through the secret cache. */
export function credentialsFrom(
  secrets: SecretCache,
  /** Named in the placeholder error when the backend is the local file. */
  secretsFile?: string,
  /** The dev provider's client exists only where the dev provider runs (local mode). */
  devIssuer?: string,
): Pick<ConnectionDeps, 'vault' | 'reloadVault' | 'clientCredentials'> {
  let vaultFor: { value: unknown; vault: TokenVault } | undefined;
  return {
    async vault() {
      const value = await secrets.get(VAULT_SECRET_NAME);
      if (!vaultFor || vaultFor.value !== value) vaultFor = { value, vault: new TokenVault(value) };
      return vaultFor.vault;
    },
    reloadVault: () => secrets.refreshAfterFailure(VAULT_SECRET_NAME),
    async clientCredentials(integrationId, provider) {
      if (provider === DEV_PROVIDER && !devIssuer) throw new HookbridgeError('conflict', DEV_NOT_RUNNING);
      const name = oauthClientSecretName(integrationId, provider);
      const v = (await secrets.get(name)) as
        | { clientId?: unknown; clientSecret?: unknown; privateKeyJwk?: unknown }
        | undefined;
      const key = privateKeyOf(v?.privateKeyJwk);
      const secretOk = typeof v?.clientSecret === 'string' || (key && v?.clientSecret === undefined);
      if (!v || typeof v.clientId !== 'string' || !secretOk || key === null) {
        throw new HookbridgeError(
          'misconfigured',
          `Secret ${name} is missing or has no {"clientId","clientSecret"} strings (or a privateKeyJwk object with "kid" and "d")`,
        );
      }
      // The stack's placeholder would send users to the provider with client_id=REPLACE_ME.
      if (v.clientId === SECRET_PLACEHOLDER || v.clientSecret === SECRET_PLACEHOLDER)
        throw placeholderError({ kind: secrets.store.kind, file: secretsFile }, name, CLIENT_EXAMPLE);
      const clientSecret = typeof v.clientSecret === 'string' ? v.clientSecret : '';
      return { clientId: v.clientId, clientSecret, ...(key ? { privateKeyJwk: key } : {}) };
    },
  };
}

/** A secret's `privateKeyJwk`: undefined when absent, null when it is not a private JWK with a `kid`. */
function privateKeyOf(v: unknown): JWK | undefined | null {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const jwk = v as JWK;
  return typeof jwk.kty === 'string' && typeof jwk.kid === 'string' && typeof jwk.d === 'string' ? jwk : null;
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

/** The integration's provider (catalog entry or discovery), through this container's fetch and cache. */
export const providerFor = (
  deps: Pick<ConnectionDeps, 'fetch' | 'caches' | 'devIssuer'>,
  config: Parameters<typeof resolveProvider>[0],
  now: number,
) =>
  resolveProvider(config, {
    fetch: deps.fetch,
    now,
    discoveryCache: deps.caches.discovery,
    devIssuer: deps.devIssuer,
  });

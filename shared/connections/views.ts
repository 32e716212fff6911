/** What the connection and integration routes show: never tokens (the sealed JWE, kid, version and lease stay inside). */
import { HookbridgeError } from '../errors.js';
import type { IntegrationConfig, IntegrationRecord } from '../integrations/schema.js';
import { checkIssuer } from '../oauth/discovery.js';
import { environmentProblem, getProvider, normaliseShop } from '../oauth/providers.js';
import { integrationSecretNameFor } from '../secret-names.js';
import type { ConnectionDeps } from './deps.js';
import type { ConnectionRecord } from './model.js';
import { effectiveStatus } from './token-view.js';

/** `secretName` is where this integration's credentials are read: api-key under apikeys/, the others under oauth/ (dev: the dev provider's client). */
export const integrationView = (r: IntegrationRecord) => ({
  ...r,
  secretName: integrationSecretNameFor(
    r.id,
    r.config.type,
    r.config.type === 'oauth' ? r.config.provider : undefined,
  ),
});

/** `status` as a token read would find it at `now` (token-view.ts effectiveStatus). */
export const connectionView = (c: ConnectionRecord, now: number) => ({
  id: c.id,
  integrationId: c.integrationId,
  provider: c.provider,
  endUserId: c.endUserId,
  status: effectiveStatus(c, now),
  scopes: c.scopes,
  metadata: c.metadata,
  providerMetadata: c.providerMetadata,
  ...(c.expiresAt !== undefined ? { expiresAt: new Date(c.expiresAt).toISOString() } : {}),
  hasRefreshToken: c.hasRefreshToken,
  refreshFailures: c.refreshFailures,
  ...(c.lastError ? { lastError: c.lastError } : {}),
  ...(c.lastRefreshedAt ? { lastRefreshedAt: c.lastRefreshedAt } : {}),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

/**
 * A catalog integration must name a catalog provider and give the params its URLs need; a
 * Shopify shop is normalised to `mystore` so `{shop}.myshopify.com` is right. A bad body is 400.
 */
export function checkIntegration(config: IntegrationConfig): IntegrationConfig {
  if (config.type !== 'oauth' || config.provider === 'oidc' || config.provider === 'oauth2') return config;
  const entry = getProvider(config.provider);
  if (!entry) throw new HookbridgeError('invalid_request', `No catalog provider "${config.provider}"`);
  const badEnvironment = environmentProblem(entry, 'environment' in config ? config.environment : undefined);
  if (badEnvironment) throw new HookbridgeError('invalid_request', badEnvironment);
  if (entry.slug === 'shopify' && config.params.shop !== undefined) {
    const shop = normaliseShop(config.params.shop);
    if (!shop) throw new HookbridgeError('invalid_request', 'params.shop is not a Shopify shop name');
    config.params.shop = shop;
  }
  const missing = entry.params.filter((p) => !config.params[p]);
  if (missing.length)
    throw new HookbridgeError(
      'invalid_request',
      `Provider "${entry.slug}" needs params: ${missing.join(', ')}`,
    );
  return config;
}

/**
 * An OIDC integration's issuer is checked at `PUT /integrations` (discovery.ts checkIssuer), so a
 * bad issuer is a 400 here rather than an error page in an end user's browser.
 */
export async function checkOidcIssuer(
  deps: Pick<ConnectionDeps, 'fetch' | 'now' | 'caches'>,
  config: IntegrationConfig,
): Promise<void> {
  if (config.type !== 'oauth' || config.provider !== 'oidc' || !('issuer' in config)) return;
  await checkIssuer(config.issuer, {
    fetch: deps.fetch,
    now: deps.now(),
    discoveryCache: deps.caches.discovery,
  });
}

/**
 * Where a provider's endpoints are, for one integration: OIDC discovery through oauth4webapi
 * (cached), a generic OAuth 2.0 configuration, or a catalog entry with its placeholders filled.
 */
import * as oauth from 'oauth4webapi';
import { HookbridgeError } from '../errors.js';
import type { OAuthIntegrationConfig } from '../integrations/schema.js';
import { isLoopbackHttp } from '../outbound/url.js';
import type { Fetch } from '../ports/index.js';
import { type ClientCredentials, prepareClientAuth, usableMethods } from './client-auth.js';
import {
  type ClientAuthMethod,
  catalogEntry,
  fillPlaceholders,
  type ProviderEntry,
  placeholderValues,
  type RevocationRule,
  type TokenResponseRule,
} from './providers.js';

/** A catalog entry (or a generic provider) with its placeholders filled for one integration. */
export interface ResolvedProvider {
  slug: string;
  issuer?: string | undefined;
  /** The server advertises RFC 9207 `iss` in authorization responses, so a missing `iss` is refused. */
  issResponseSupported: boolean;
  jwksUri?: string | undefined;
  authorizationUrl: string;
  tokenUrl: string;
  revocation?: RevocationRule | undefined;
  scopeSeparator: string;
  scopeParam: string;
  defaultScopes: string[];
  authorizationParams: Record<string, string>;
  clientAuth: ClientAuthMethod;
  /** Generic OIDC: the server's `token_endpoint_auth_methods_supported`; the method is chosen per request from it and the secret (client-auth.ts). */
  clientAuthOffered?: string[] | undefined;
  /** RFC 9126: the server's PAR endpoint, used whenever it has one; `required` when it refuses plain authorization requests. */
  par?: { endpoint: string; required: boolean } | undefined;
  tokenRequestFormat: 'form' | 'json';
  pkce: boolean;
  refresh: boolean;
  tokenResponse: Partial<TokenResponseRule> & Pick<TokenResponseRule, 'metadata'>;
  /** Catalog only: headers every call to the provider carries, and extra token-request fields per grant. */
  headers?: Record<string, string> | undefined;
  tokenParams?: ProviderEntry['tokenParams'] | undefined;
  redirectMetadata: string[];
  api?:
    | (Pick<ProviderEntry['api'], 'baseUrl' | 'authScheme' | 'allowedHosts'> & Partial<ProviderEntry['api']>)
    | undefined;
  expiryMarginSeconds: number;
}

/** Discovery documents by issuer, an hour each; one per container (the caller owns it). */
export type DiscoveryCache = Map<string, { as: oauth.AuthorizationServer; at: number }>;
const DISCOVERY_TTL_MS = 3_600_000;

type ResolveDeps = {
  fetch: Fetch;
  now: number;
  discoveryCache: DiscoveryCache;
  /** The local runtime's dev OpenID provider (local mode only), for the catalog's `dev` entry. */
  devIssuer?: string | undefined;
};

/** OIDC discovery through oauth4webapi, cached for an hour per issuer. */
export async function discover(
  issuer: string,
  { fetch: fetchImpl, now, discoveryCache }: ResolveDeps,
): Promise<oauth.AuthorizationServer> {
  const hit = discoveryCache.get(issuer);
  if (hit && now - hit.at < DISCOVERY_TTL_MS) return hit.as;
  const url = new URL(issuer);
  try {
    const res = await oauth.discoveryRequest(url, {
      [oauth.customFetch]: fetchImpl,
      [oauth.allowInsecureRequests]: isLoopbackHttp(issuer),
      signal: AbortSignal.timeout(10_000),
    });
    const as = await oauth.processDiscoveryResponse(url, res);
    discoveryCache.set(issuer, { as, at: now });
    return as;
  } catch (err) {
    if (err instanceof HookbridgeError && err.code === 'ssrf_blocked') throw err;
    if (err instanceof oauth.OperationProcessingError && err.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      throw new HookbridgeError(
        'issuer_mismatch',
        `OIDC discovery for ${issuer} names another issuer (they must be identical)`,
      );
    }
    throw new HookbridgeError(
      'upstream_error',
      `OIDC discovery for ${issuer} failed: ${(err as Error).message}`,
    );
  }
}

export async function resolveProvider(
  config: OAuthIntegrationConfig,
  deps: ResolveDeps,
): Promise<ResolvedProvider> {
  if (config.provider === 'oidc' && 'issuer' in config) return fromIssuer(config.issuer, deps);
  if (config.provider === 'oauth2' && 'tokenUrl' in config) return fromGenericConfig(config);
  return fromCatalog(config, deps);
}

/** Generic OIDC: everything from the issuer's discovery document. */
async function fromIssuer(issuer: string, deps: ResolveDeps): Promise<ResolvedProvider> {
  const as = await discover(issuer, deps);
  if (!as.authorization_endpoint || !as.token_endpoint) {
    throw new HookbridgeError(
      'misconfigured',
      `Issuer ${issuer} advertises no authorization or token endpoint`,
    );
  }
  return {
    slug: 'oidc',
    issuer: as.issuer,
    issResponseSupported: as.authorization_response_iss_parameter_supported === true,
    jwksUri: as.jwks_uri,
    authorizationUrl: as.authorization_endpoint,
    tokenUrl: as.token_endpoint,
    revocation: as.revocation_endpoint
      ? { url: as.revocation_endpoint, format: 'form', prefer: 'refresh_token' }
      : undefined,
    scopeSeparator: ' ',
    scopeParam: 'scope',
    defaultScopes: ['openid'],
    authorizationParams: {},
    clientAuth: 'client_secret_basic',
    clientAuthOffered: as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'],
    par: as.pushed_authorization_request_endpoint
      ? {
          endpoint: as.pushed_authorization_request_endpoint,
          required: as.require_pushed_authorization_requests === true,
        }
      : undefined,
    tokenRequestFormat: 'form',
    pkce: true,
    refresh: true,
    tokenResponse: { metadata: [] },
    redirectMetadata: [],
    expiryMarginSeconds: 300,
  };
}

/** The credentials ready for one request to this provider: the client-auth method chosen, a JWT assertion signed. */
export const readyClient = (p: ResolvedProvider, creds: ClientCredentials, now: number) =>
  prepareClientAuth(
    { fixed: p.clientAuth, offered: p.clientAuthOffered, audience: p.issuer ?? p.tokenUrl },
    creds,
    now,
  );

/**
 * What `PUT /integrations` checks of an OIDC issuer, so problems surface there and not in an end
 * user's browser: discovery loads, its `issuer` is the configured one character for character, it
 * offers a client-auth method Hookbridge has, and a PAR requirement comes with a PAR endpoint.
 * Every problem is a 400 naming it; an unreachable server is never a 5xx.
 */
export async function checkIssuer(issuer: string, deps: ResolveDeps): Promise<void> {
  let as: oauth.AuthorizationServer;
  try {
    as = await discover(issuer, { ...deps, discoveryCache: new Map() });
  } catch (err) {
    if (err instanceof HookbridgeError && err.code !== 'upstream_error') throw err;
    throw new HookbridgeError('invalid_request', `issuer: ${(err as Error).message}`);
  }
  if (as.issuer !== issuer) {
    throw new HookbridgeError(
      'issuer_mismatch',
      `issuer: the discovery document names issuer "${as.issuer}", not "${issuer}" (they must be identical)`,
    );
  }
  if (!as.authorization_endpoint || !as.token_endpoint)
    throw new HookbridgeError(
      'invalid_request',
      'issuer: discovery advertises no authorization or token endpoint',
    );
  if (!usableMethods(as.token_endpoint_auth_methods_supported).length) {
    throw new HookbridgeError(
      'invalid_request',
      `issuer: token_endpoint_auth_methods_supported (${as.token_endpoint_auth_methods_supported?.join(', ')}) has none of client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt`,
    );
  }
  if (as.require_pushed_authorization_requests === true && !as.pushed_authorization_request_endpoint) {
    throw new HookbridgeError(
      'invalid_request',
      'issuer: discovery requires pushed authorization requests but advertises no pushed_authorization_request_endpoint',
    );
  }
  deps.discoveryCache.set(issuer, { as, at: deps.now });
}

/** Generic OAuth 2.0: the endpoints the integration names. */
function fromGenericConfig(config: Extract<OAuthIntegrationConfig, { tokenUrl: string }>): ResolvedProvider {
  return {
    slug: 'oauth2',
    issResponseSupported: false,
    authorizationUrl: config.authorizationUrl,
    tokenUrl: config.tokenUrl,
    revocation: config.revocationUrl
      ? { url: config.revocationUrl, format: 'form', prefer: 'refresh_token' }
      : undefined,
    scopeSeparator: config.scopeSeparator,
    scopeParam: 'scope',
    defaultScopes: [],
    authorizationParams: {},
    clientAuth: config.clientAuth,
    tokenRequestFormat: 'form',
    pkce: config.pkce,
    refresh: true,
    tokenResponse: { metadata: [] },
    redirectMetadata: [],
    api: config.api ? { ...config.api, authScheme: 'bearer' } : undefined,
    expiryMarginSeconds: 300,
  };
}

/** A catalog entry with the integration's placeholders filled; discovery only adds JWKS and `iss` support. */
async function fromCatalog(config: OAuthIntegrationConfig, deps: ResolveDeps): Promise<ResolvedProvider> {
  const entry = catalogEntry(config);
  if (!entry) throw new HookbridgeError('unknown_provider', `No catalog provider "${config.provider}"`);
  const values = placeholderValues(entry, config.params, deps.devIssuer);
  const fill = (t: string) => {
    try {
      return fillPlaceholders(t, values);
    } catch (err) {
      throw new HookbridgeError('misconfigured', `Integration params: ${(err as Error).message}`);
    }
  };
  let jwksUri: string | undefined;
  let issResponseSupported = false;
  const issuer = entry.issuer && fill(entry.issuer);
  if (issuer) {
    const as = await discover(issuer, deps).catch(() => undefined);
    jwksUri = as?.jwks_uri;
    // Fail closed: when discovery failed we cannot know the server omits `iss`, so require it.
    issResponseSupported = as ? as.authorization_response_iss_parameter_supported === true : true;
  }
  return {
    slug: entry.slug,
    issuer,
    issResponseSupported,
    jwksUri,
    authorizationUrl: fill(entry.authorizationUrl),
    tokenUrl: fill(entry.tokenUrl),
    revocation: entry.revocation ? { ...entry.revocation, url: fill(entry.revocation.url) } : undefined,
    scopeSeparator: entry.scopeSeparator,
    scopeParam: entry.scopeParam,
    defaultScopes: entry.defaultScopes,
    authorizationParams: entry.authorizationParams,
    clientAuth: entry.clientAuth,
    tokenRequestFormat: entry.tokenRequestFormat,
    pkce: entry.pkce,
    refresh: entry.refresh,
    tokenResponse: entry.tokenResponse,
    headers: entry.headers,
    tokenParams: entry.tokenParams,
    redirectMetadata: entry.redirectMetadata,
    api: entry.api,
    expiryMarginSeconds: entry.expiryMarginSeconds,
  };
}

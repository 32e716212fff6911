/**
 * OAuth 2.0 / OIDC protocol steps over the catalog, as pure functions wherever possible:
 * request builders return `{url, headers, body}` and response processors validate. The I/O
 * (fetch) is injected by the caller. oauth4webapi does discovery, PKCE and the RFC 9207
 * authorization-response check; jose verifies ID tokens.
 */
import { type JWTVerifyGetKey, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { HookbridgeError } from '../errors.js';
import type { OAuthIntegrationConfig } from '../integrations/schema.js';
import { isLoopbackHttp } from '../outbound/url.js';
import type { Fetch } from '../ports/index.js';
import { applyClientAuth, type ClientCredentials } from './client-auth.js';
import { type ClientAuthMethod, fillPlaceholders, getProvider, type ProviderEntry } from './providers.js';

export type { ClientCredentials };

/** A catalog entry (or a generic provider) with its placeholders filled for one integration. */
export interface ResolvedProvider {
  slug: string;
  issuer?: string | undefined;
  /** The server advertises RFC 9207 `iss` in authorization responses, so a missing `iss` is refused. */
  issResponseSupported: boolean;
  jwksUri?: string | undefined;
  authorizationUrl: string;
  tokenUrl: string;
  revocation?: { url: string; format: 'form' | 'json'; prefer: 'refresh_token' | 'access_token' } | undefined;
  scopeSeparator: string;
  scopeParam: string;
  defaultScopes: string[];
  authorizationParams: Record<string, string>;
  clientAuth: ClientAuthMethod;
  tokenRequestFormat: 'form' | 'json';
  pkce: boolean;
  refresh: boolean;
  tokenResponse: { path?: string | undefined; metadata: string[] };
  redirectMetadata: string[];
  api?: ProviderEntry['api'] | undefined;
  expiryMarginSeconds: number;
}

const discoveryCache = new Map<string, { as: oauth.AuthorizationServer; at: number }>();
const DISCOVERY_TTL_MS = 3_600_000;

/** OIDC discovery through oauth4webapi, cached for an hour per issuer. */
export async function discover(
  issuer: string,
  fetchImpl: Fetch,
  now: number,
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
    throw new HookbridgeError(
      'upstream_error',
      `OIDC discovery for ${issuer} failed: ${(err as Error).message}`,
    );
  }
}

export async function resolveProvider(
  config: OAuthIntegrationConfig,
  deps: { fetch: Fetch; now: number },
): Promise<ResolvedProvider> {
  if (config.provider === 'oidc' && 'issuer' in config) {
    const as = await discover(config.issuer, deps.fetch, deps.now);
    if (!as.authorization_endpoint || !as.token_endpoint) {
      throw new HookbridgeError(
        'misconfigured',
        `Issuer ${config.issuer} advertises no authorization or token endpoint`,
      );
    }
    const methods = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
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
      clientAuth: methods.includes('client_secret_basic') ? 'client_secret_basic' : 'client_secret_post',
      tokenRequestFormat: 'form',
      pkce: true,
      refresh: true,
      tokenResponse: { metadata: [] },
      redirectMetadata: [],
      expiryMarginSeconds: 300,
    };
  }
  if (config.provider === 'oauth2' && 'tokenUrl' in config) {
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
  const entry = getProvider(config.provider);
  if (!entry) throw new HookbridgeError('unknown_provider', `No catalog provider "${config.provider}"`);
  const fill = (t: string) => {
    try {
      return fillPlaceholders(t, config.params);
    } catch (err) {
      throw new HookbridgeError('misconfigured', `Integration params: ${(err as Error).message}`);
    }
  };
  let jwksUri: string | undefined;
  let issResponseSupported = false;
  if (entry.issuer) {
    const as = await discover(entry.issuer, deps.fetch, deps.now).catch(() => undefined);
    jwksUri = as?.jwks_uri;
    // Fail closed: when discovery failed we cannot know the server omits `iss`, so require it.
    issResponseSupported = as ? as.authorization_response_iss_parameter_supported === true : true;
  }
  return {
    slug: entry.slug,
    issuer: entry.issuer,
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
    redirectMetadata: entry.redirectMetadata,
    api: entry.api,
    expiryMarginSeconds: entry.expiryMarginSeconds,
  };
}

/** The only authorization parameters an integration may not set: they carry the protection. */
const RESERVED_PARAMS = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'scope',
]);

export function buildAuthorizationUrl(
  p: ResolvedProvider,
  input: {
    clientId: string;
    redirectUri: string;
    state: string;
    scopes: string[];
    codeChallenge?: string | undefined;
    nonce?: string | undefined;
    extraParams?: Record<string, string>;
  },
): string {
  const url = new URL(p.authorizationUrl);
  const extra = { ...p.authorizationParams, ...input.extraParams };
  for (const [k, v] of Object.entries(extra)) if (!RESERVED_PARAMS.has(k)) url.searchParams.set(k, v);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  if (input.scopes.length) url.searchParams.set(p.scopeParam, input.scopes.join(p.scopeSeparator));
  url.searchParams.set('state', input.state);
  if (input.codeChallenge) {
    url.searchParams.set('code_challenge', input.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  if (input.nonce) url.searchParams.set('nonce', input.nonce);
  return url.toString();
}

export interface HttpRequestSpec {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export type TokenGrant =
  | { grantType: 'authorization_code'; code: string; redirectUri: string; codeVerifier?: string | undefined }
  | { grantType: 'refresh_token'; refreshToken: string; scopes?: string[] | undefined };

function encodeBody(
  format: 'form' | 'json',
  fields: Record<string, string>,
): { body: string; contentType: string } {
  if (format === 'json') return { body: JSON.stringify(fields), contentType: 'application/json' };
  return { body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** The token request for a grant, shaped by the catalog (client-auth method, body format). */
export function buildTokenRequest(
  p: ResolvedProvider,
  grant: TokenGrant,
  creds: ClientCredentials,
): HttpRequestSpec {
  const fields: Record<string, string> = { grant_type: grant.grantType };
  if (grant.grantType === 'authorization_code') {
    fields.code = grant.code;
    fields.redirect_uri = grant.redirectUri;
    if (grant.codeVerifier) fields.code_verifier = grant.codeVerifier;
  } else {
    fields.refresh_token = grant.refreshToken;
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  applyClientAuth(p.clientAuth, creds, fields, headers);
  const { body, contentType } = encodeBody(p.tokenRequestFormat, fields);
  headers['content-type'] = contentType;
  return { url: p.tokenUrl, method: 'POST', headers, body };
}

/** RFC 7009 revocation (or the provider's JSON variant). */
export function buildRevocationRequest(
  p: ResolvedProvider,
  token: { value: string; hint: 'refresh_token' | 'access_token' },
  creds: ClientCredentials,
): HttpRequestSpec | undefined {
  if (!p.revocation) return undefined;
  const fields: Record<string, string> = { token: token.value, token_type_hint: token.hint };
  const headers: Record<string, string> = { accept: 'application/json' };
  applyClientAuth(p.clientAuth, creds, fields, headers);
  const { body, contentType } = encodeBody(p.revocation.format, fields);
  headers['content-type'] = contentType;
  return { url: p.revocation.url, method: 'POST', headers, body };
}

export interface ParsedTokens {
  accessToken: string;
  refreshToken?: string | undefined;
  idToken?: string | undefined;
  tokenType: string;
  /** Epoch ms. */
  expiresAt?: number | undefined;
  scopes?: string[] | undefined;
  metadata: Record<string, unknown>;
}

export type TokenOutcome =
  | { ok: true; tokens: ParsedTokens }
  | { ok: false; error: string; description?: string | undefined; transient: boolean };

const pathGet = (obj: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );

/** Validates a token-endpoint response. Never includes token values in the error text. */
export function parseTokenResponse(
  p: ResolvedProvider,
  status: number,
  text: string,
  now: number,
): TokenOutcome {
  let body: Record<string, unknown> | undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) body = v as Record<string, unknown>;
  } catch {
    // Some providers (GitHub without Accept) answer form-encoded.
    if (/^[\w.-]+=/.test(text)) body = Object.fromEntries(new URLSearchParams(text));
  }
  const transient = status >= 500 || status === 429 || status === 408;
  if (!body)
    return { ok: false, error: `http_${status}`, description: 'the response is not JSON', transient };
  if (typeof body.error === 'string' || status >= 400 || body.ok === false) {
    return {
      ok: false,
      error: typeof body.error === 'string' ? body.error : `http_${status}`,
      description:
        typeof body.error_description === 'string' ? body.error_description.slice(0, 300) : undefined,
      transient,
    };
  }
  const holder = (p.tokenResponse.path ? pathGet(body, p.tokenResponse.path) : body) as
    | Record<string, unknown>
    | undefined;
  const accessToken = holder?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    return {
      ok: false,
      error: 'invalid_token_response',
      description: 'no access_token in the response',
      transient: false,
    };
  }
  const expiresIn = Number(holder?.expires_in ?? Number.NaN);
  const scope = holder?.scope ?? body.scope;
  const metadata: Record<string, unknown> = {};
  for (const path of p.tokenResponse.metadata) {
    const v = pathGet(body, path);
    if (v !== undefined && v !== null) metadata[path] = v;
  }
  return {
    ok: true,
    tokens: {
      accessToken,
      refreshToken: typeof holder?.refresh_token === 'string' ? holder.refresh_token : undefined,
      idToken: typeof body.id_token === 'string' ? body.id_token : undefined,
      tokenType: typeof holder?.token_type === 'string' ? holder.token_type : 'Bearer',
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : undefined,
      scopes: typeof scope === 'string' ? scope.split(/[ ,]+/).filter(Boolean) : undefined,
      metadata,
    },
  };
}

/**
 * OIDC Core 3.1.3.7: signature (JWKS), iss, aud, azp, exp, iat and nonce. Throws
 * `invalid_id_token` naming the failed check.
 */
export async function validateIdToken(
  idToken: string,
  expected: {
    issuer: string;
    clientId: string;
    nonce?: string | undefined;
    getKey: JWTVerifyGetKey;
    now: number;
  },
): Promise<Record<string, unknown>> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(idToken, expected.getKey, {
      issuer: expected.issuer,
      audience: expected.clientId,
      currentDate: new Date(expected.now),
      clockTolerance: 30,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
  } catch (err) {
    const e = err as { code?: string; claim?: string; message?: string };
    const what =
      e.code === 'ERR_JWT_EXPIRED'
        ? 'it has expired'
        : e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
          ? `the "${e.claim}" claim is wrong`
          : e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || e.code === 'ERR_JWKS_NO_MATCHING_KEY'
            ? 'its signature does not verify with the issuer’s keys'
            : 'it is malformed';
    throw new HookbridgeError('invalid_id_token', `The ID token was refused: ${what}`);
  }
  const aud = payload.aud;
  if (Array.isArray(aud) && aud.length > 1 && payload.azp === undefined) {
    throw new HookbridgeError('invalid_id_token', 'The ID token was refused: several audiences and no "azp"');
  }
  if (payload.azp !== undefined && payload.azp !== expected.clientId) {
    throw new HookbridgeError('invalid_id_token', 'The ID token was refused: the "azp" claim is wrong');
  }
  if (expected.nonce !== undefined && payload.nonce !== expected.nonce) {
    throw new HookbridgeError('invalid_id_token', 'The ID token was refused: the "nonce" claim is wrong');
  }
  return payload;
}

/** PKCE S256 and random values, through oauth4webapi. */
export const pkce = {
  verifier: () => oauth.generateRandomCodeVerifier(),
  challenge: (verifier: string) => oauth.calculatePKCECodeChallenge(verifier),
  state: () => oauth.generateRandomState(),
  nonce: () => oauth.generateRandomNonce(),
};

export type AuthResponseCheck =
  | { kind: 'ok'; code: string; params: URLSearchParams }
  | { kind: 'provider_error'; error: string; description?: string | undefined };

/**
 * The RFC 9207 / RFC 6749 §4.1.2 checks on the callback query, through oauth4webapi: exact `iss`
 * match (and a missing `iss` refused when the server advertises it), state, then provider errors.
 */
export function checkAuthorizationResponse(
  p: ResolvedProvider,
  clientId: string,
  query: URLSearchParams,
  expectedState: string,
): AuthResponseCheck {
  const params = new URLSearchParams(query);
  // Without a known issuer there is nothing to compare; state is bound to one integration anyway.
  if (!p.issuer) params.delete('iss');
  const as: oauth.AuthorizationServer = {
    issuer: p.issuer ?? 'urn:hookbridge:issuer-unknown',
    authorization_response_iss_parameter_supported: p.issuer ? p.issResponseSupported : false,
  };
  try {
    const out = oauth.validateAuthResponse(as, { client_id: clientId }, params, expectedState);
    const code = out.get('code');
    if (!code) throw new HookbridgeError('invalid_request', 'The callback carries no authorization code');
    return { kind: 'ok', code, params: out };
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) {
      return { kind: 'provider_error', error: err.error, description: err.error_description };
    }
    if (err instanceof HookbridgeError) throw err;
    const message = (err as Error).message ?? '';
    // oauth4webapi gives every iss/state failure the same code (INVALID_RESPONSE); which check
    // failed is decided from the parameters, never from the message text.
    if (err instanceof oauth.OperationProcessingError && err.code === oauth.INVALID_RESPONSE) {
      const iss = params.get('iss');
      if (
        (iss === null && as.authorization_response_iss_parameter_supported) ||
        (iss !== null && iss !== as.issuer)
      ) {
        throw new HookbridgeError(
          'issuer_mismatch',
          'The authorization response’s "iss" does not match the expected issuer (possible mix-up attack)',
        );
      }
      if (params.get('state') !== expectedState)
        throw new HookbridgeError('invalid_state', 'The state does not match');
    }
    throw new HookbridgeError('invalid_request', `The authorization response is malformed: ${message}`);
  }
}

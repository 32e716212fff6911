/**
 * `/oauth/callback` as typed steps, in the order the threat model needs: take the state (the
 * browser-binding cookie, then the single-use state, consumed by a conditional delete) -> check
 * the response (RFC 9207 `iss`, provider errors) -> exchange the code (PKCE verifier from the
 * server-side state) -> validate the ID token -> decide and store the connection
 * (store-connection.ts) -> redirect to the app or show the success page.
 */
import { createRemoteJWKSet, customFetch, type FetchImplementation } from 'jose';
import { HookbridgeError } from '../errors.js';
import type { OAuthIntegrationConfig } from '../integrations/schema.js';
import {
  buildTokenRequest,
  type ClientCredentials,
  checkAuthorizationResponse,
  type ParsedTokens,
  parseTokenResponse,
  type ResolvedProvider,
  readyClient,
  refetchingKeys,
  validateIdToken,
} from '../oauth/protocol.js';
import { getProvider, normaliseRedirectValue } from '../oauth/providers.js';
import { type BrowserResult, bindingCookieName, cookieAttrs, readCookie, sha256 } from './browser-binding.js';
import { type ConnectionDeps, providerFor, sendSpec } from './deps.js';
import { type ConnectionRecord, MAX_STATE_CHARS, type OAuthState } from './model.js';
import { postConnectMetadata } from './post-connect.js';
import { oauthIntegration } from './sessions.js';
import { storeConnection } from './store-connection.js';

/** take: the state this browser started, consumed. */
export interface TakenState {
  query: URLSearchParams;
  state: OAuthState;
  /** Clears the binding cookie on every answer from here on. */
  clearCookie: string;
  now: number;
}

/** check: the provider's answer to the authorization request, and what the exchange needs. */
export type CheckedResponse =
  | {
      kind: 'provider_error';
      error: string;
      description?: string | undefined;
      /** The catalog's name for the provider, for the page. */
      providerName?: string | undefined;
    }
  | {
      kind: 'code';
      code: string;
      provider: ResolvedProvider;
      config: OAuthIntegrationConfig;
      creds: ClientCredentials;
      redirectMeta: Record<string, unknown>;
    };

type CodeResponse = Extract<CheckedResponse, { kind: 'code' }>;

export async function callback(
  deps: ConnectionDeps,
  req: { rawQueryString: string; cookies: string[] },
  baseUrl: string,
): Promise<BrowserResult> {
  const taken = await takeState(deps, req, baseUrl);
  const checked = await checkResponse(deps, taken);
  if (checked.kind === 'provider_error') return providerErrorResult(taken, checked);
  const tokens = await exchangeCode(deps, taken.state, checked);
  await checkIdToken(deps, taken.state, checked, tokens);
  const postConnect = await postConnectMetadata(deps, checked.provider, tokens);
  // The integration's params always win over token-response, post-connect and redirect values.
  const connection = await storeConnection(deps, {
    state: taken.state,
    provider: checked.provider,
    config: checked.config,
    tokens,
    providerMetadata: {
      ...tokens.metadata,
      ...postConnect,
      ...checked.redirectMeta,
      ...checked.config.params,
    },
  });
  return connectedResult(taken, checked.provider, connection);
}

/**
 * take: the browser-binding cookie first (a callback from another browser never touches the
 * state), then the state, once, and only with the matching binding: the hash is in the delete's
 * condition, so a wrong cookie leaves the state for the right browser.
 */
async function takeState(
  deps: ConnectionDeps,
  req: { rawQueryString: string; cookies: string[] },
  baseUrl: string,
): Promise<TakenState> {
  const query = new URLSearchParams(req.rawQueryString);
  const stateParam = query.get('state');
  if (!stateParam) throw new HookbridgeError('invalid_state', 'The callback has no state parameter');
  if (stateParam.length > MAX_STATE_CHARS)
    throw new HookbridgeError('invalid_state', `The state parameter is over ${MAX_STATE_CHARS} characters`);
  const cookieName = bindingCookieName(stateParam);
  const clearCookie = `${cookieName}=; ${cookieAttrs(baseUrl)}; Max-Age=0`;
  const binding = readCookie(req.cookies, cookieName);
  if (!binding) {
    throw new HookbridgeError(
      'missing_state_cookie',
      'This sign-in did not start in this browser (no binding cookie)',
    );
  }
  const now = deps.now();
  const taken = await deps.store.takeState(stateParam, now, sha256(binding));
  if (!taken.ok) {
    if (taken.reason === 'binding')
      throw new HookbridgeError('missing_state_cookie', 'This sign-in was started in a different browser');
    throw new HookbridgeError('invalid_state', 'This sign-in is unknown, has expired or was already used');
  }
  return { query, state: taken.state, clearCookie, now };
}

/** check: RFC 9207 `iss`, then provider errors, then the redirect values. */
async function checkResponse(deps: ConnectionDeps, taken: TakenState): Promise<CheckedResponse> {
  const { state, query, now } = taken;
  const config = await oauthIntegration(deps, state.integrationId);
  const provider = await providerFor(deps, config, now);
  const creds = await deps.clientCredentials(state.integrationId, config.provider);
  const checked = checkAuthorizationResponse(provider, creds.clientId, query, state.state);
  if (checked.kind === 'provider_error')
    return { ...checked, providerName: providerDisplayName(provider.slug) };
  // Redirect values (Shopify `shop`, QuickBooks `realmId`) come from the browser: they never
  // override the integration's params, and must agree with them.
  const redirectMeta = redirectMetadataOf(provider, query, config.params);
  return { kind: 'code', code: checked.code, provider, config, creds, redirectMeta };
}

/**
 * A provider error goes back to the app when it gave a return URL; else a page: access_denied
 * (the user declined) as such, any other error with the provider's code.
 */
function providerErrorResult(
  taken: TakenState,
  checked: Extract<CheckedResponse, { kind: 'provider_error' }>,
): BrowserResult {
  if (taken.state.returnUrl) {
    const back = new URL(taken.state.returnUrl);
    back.searchParams.set('error', checked.error);
    if (checked.description) back.searchParams.set('error_description', checked.description.slice(0, 300));
    return { kind: 'redirect', location: back.toString(), cookies: [taken.clearCookie] };
  }
  const at = checked.providerName ?? 'the provider';
  if (checked.error === 'access_denied')
    throw new HookbridgeError('access_denied', `Access was declined at ${at}, so nothing was connected`);
  const description = checked.description ? `: ${checked.description.slice(0, 300)}` : '';
  throw new HookbridgeError(
    'provider_error',
    `The sign-in at ${at} failed: it answered "${checked.error.slice(0, 100)}"${description}`,
  );
}

/** exchange: the code, with the catalog's client-auth method and the server-side PKCE verifier. */
async function exchangeCode(
  deps: ConnectionDeps,
  state: OAuthState,
  checked: CodeResponse,
): Promise<ParsedTokens> {
  const grant = {
    grantType: 'authorization_code' as const,
    code: checked.code,
    redirectUri: state.redirectUri,
    codeVerifier: state.codeVerifier,
  };
  const creds = await readyClient(checked.provider, checked.creds, deps.now());
  const spec = buildTokenRequest(checked.provider, grant, creds);
  let res: { status: number; text: string };
  try {
    res = await sendSpec(deps, spec);
  } catch (err) {
    if (err instanceof HookbridgeError && err.code === 'ssrf_blocked') throw err;
    throw new HookbridgeError('token_exchange_failed', 'The provider’s token endpoint did not answer');
  }
  const outcome = parseTokenResponse(checked.provider, res.status, res.text, deps.now());
  if (outcome.ok) return outcome.tokens;
  if (outcome.transient)
    throw new HookbridgeError(
      'token_exchange_failed',
      `The provider’s token endpoint failed (${outcome.error})`,
    );
  throw new HookbridgeError(
    'invalid_grant',
    `The provider refused the authorization code (${outcome.error}); it may have been used already`,
  );
}

/** validate: the ID token, fully (OIDC Core 3.1.3.7), whenever the request carried a nonce. */
async function checkIdToken(
  deps: ConnectionDeps,
  state: OAuthState,
  checked: CodeResponse,
  tokens: ParsedTokens,
): Promise<void> {
  if (state.nonce === undefined) return;
  if (!tokens.idToken)
    throw new HookbridgeError('invalid_id_token', 'The provider returned no ID token for an openid request');
  await validateIdToken(tokens.idToken, {
    issuer: checked.provider.issuer!,
    clientId: checked.creds.clientId,
    nonce: state.nonce,
    getKey: refetchingKeys(jwksFor(deps, checked.provider), () => deps.now()),
    now: deps.now(),
  });
}

/** redirect: back to the app's return URL with the connection, or the success page. */
function connectedResult(taken: TakenState, provider: ResolvedProvider, c: ConnectionRecord): BrowserResult {
  if (taken.state.returnUrl) {
    const back = new URL(taken.state.returnUrl);
    back.searchParams.set('connection_id', c.id);
    back.searchParams.set('integration_id', c.integrationId);
    return { kind: 'redirect', location: back.toString(), cookies: [taken.clearCookie], connectionId: c.id };
  }
  const providerName = providerDisplayName(provider.slug);
  return {
    kind: 'page',
    cookies: [taken.clearCookie],
    connectionId: c.id,
    ...(providerName ? { providerName } : {}),
  };
}

/**
 * The catalog's redirect values from the callback query, normalised. A value the integration
 * also sets in `params` must equal it (else 400, before the code exchange) and is not kept from
 * the query: the integration's own value is.
 */
export function redirectMetadataOf(
  provider: Pick<ResolvedProvider, 'slug' | 'redirectMetadata'>,
  query: URLSearchParams,
  params: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of provider.redirectMetadata) {
    const raw = query.get(k);
    if (raw === null) continue;
    const v = normaliseRedirectValue(provider.slug, k, raw);
    if (v === undefined) throw new HookbridgeError('invalid_request', `The callback's "${k}" is malformed`);
    const expected = params[k];
    if (expected === undefined) {
      out[k] = v;
      continue;
    }
    if (normaliseRedirectValue(provider.slug, k, expected) !== v) {
      throw new HookbridgeError(
        'invalid_request',
        `The callback's "${k}" does not match the integration's ${k}`,
      );
    }
  }
  return out;
}

/** The JWKS is fetched through the same SSRF-guarded fetch as every other OAuth call. */
function jwksFor(deps: ConnectionDeps, p: ResolvedProvider) {
  if (!p.jwksUri)
    throw new HookbridgeError('invalid_id_token', 'The issuer publishes no JWKS to verify the ID token with');
  const jwksCache = deps.caches.jwks;
  let hit = jwksCache.get(p.jwksUri);
  if (!hit || hit.fetch !== deps.fetch) {
    hit = {
      fetch: deps.fetch,
      set: createRemoteJWKSet(new URL(p.jwksUri), {
        timeoutDuration: 5000,
        [customFetch]: deps.fetch as FetchImplementation,
      }),
    };
    jwksCache.set(p.jwksUri, hit);
  }
  return hit;
}

/** The catalog's name for a provider (`Google`); undefined for generic OIDC / OAuth 2 integrations. */
export const providerDisplayName = (slug: string): string | undefined => getProvider(slug)?.name;

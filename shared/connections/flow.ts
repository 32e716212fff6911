/**
 * The OAuth dance: connect sessions, `/oauth/authorize` and `/oauth/callback`, and revoke on
 * delete. Checks happen in the order the threat model needs: the browser-binding cookie, the
 * single-use state (conditional delete), RFC 9207 `iss`, provider errors, the code exchange
 * (PKCE verifier from the server-side state), then full ID-token validation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, customFetch, type FetchImplementation } from 'jose';
import { HookbridgeError } from '../errors.js';
import { isOAuth, type OAuthIntegrationConfig } from '../integrations/schema.js';
import {
  buildAuthorizationUrl,
  buildRevocationRequest,
  buildTokenRequest,
  checkAuthorizationResponse,
  parseTokenResponse,
  pkce,
  type ResolvedProvider,
  resolveProvider,
  validateIdToken,
} from '../oauth/protocol.js';
import { getProvider, normaliseRedirectValue } from '../oauth/providers.js';
import { type ConnectionDeps, openTokens, sendSpec } from './deps.js';
import {
  CONNECT_SESSION_TTL_MS,
  type ConnectionRecord,
  type ConnectSession,
  OAUTH_STATE_TTL_MS,
  type TokenSet,
} from './model.js';
import { forgetConnection, publish } from './tokens.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The browser-binding cookie is named per state, so two sign-ins started in one browser do not
 * overwrite each other's cookie.
 */
export const bindingCookieName = (state: string): string => `hb_oauth_${sha256(state).slice(0, 8)}`;
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** One connection per (integration, end user): the id is derived, so reconnecting updates it. */
export function connectionIdFor(integrationId: string, endUserId: string): string {
  const h = createHash('sha256').update(`${integrationId}\0${endUserId}`).digest();
  let out = '';
  for (let i = 0; i < 20; i++) out += B32[h[i]! & 31];
  return `conn_${out}`;
}

/**
 * A return URL is allowed when it has the same origin as an allow-listed URL and its path is that
 * URL's path or below it (segment boundary). No credentials in the URL, no fragments.
 */
export function isAllowedReturnUrl(candidate: string, allowed: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(candidate);
  } catch {
    return false;
  }
  if (u.username || u.password || u.hash || !/^https?:$/.test(u.protocol)) return false;
  // Encoded separators: some servers decode them after routing, escaping the allowed path.
  if (/%2f|%5c/i.test(u.pathname)) return false;
  return allowed.some((a) => {
    const base = new URL(a);
    if (base.origin !== u.origin) return false;
    const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return u.pathname === base.pathname || u.pathname.startsWith(prefix);
  });
}

async function oauthIntegration(deps: ConnectionDeps, id: string): Promise<OAuthIntegrationConfig> {
  const rec = await deps.integrations.get(id);
  if (!rec) throw new HookbridgeError('not_found', `No integration ${id}`);
  if (!isOAuth(rec.config))
    throw new HookbridgeError('invalid_request', `Integration ${id} is not an OAuth integration`);
  return rec.config;
}

export async function createConnectSession(
  deps: ConnectionDeps,
  input: {
    integrationId: string;
    endUserId: string;
    returnUrl?: string | undefined;
    metadata: Record<string, unknown>;
  },
  baseUrl: string,
): Promise<{ id: string; url: string; expiresAt: string }> {
  const config = await oauthIntegration(deps, input.integrationId);
  if (input.returnUrl !== undefined && !isAllowedReturnUrl(input.returnUrl, config.allowedReturnUrls)) {
    throw new HookbridgeError(
      'invalid_return_url',
      `returnUrl is not in integration ${input.integrationId}'s allowedReturnUrls`,
    );
  }
  await deps.clientCredentials(input.integrationId); // fail now, not in the user's browser
  const now = deps.now();
  const session: ConnectSession = {
    id: `cs_${randomBytes(24).toString('base64url')}`,
    integrationId: input.integrationId,
    endUserId: input.endUserId,
    ...(input.returnUrl !== undefined ? { returnUrl: input.returnUrl } : {}),
    metadata: input.metadata,
    createdAt: new Date(now).toISOString(),
    expiresAt: now + CONNECT_SESSION_TTL_MS,
  };
  await deps.store.putSession(session);
  return {
    id: session.id,
    url: `${baseUrl}/oauth/authorize?session=${encodeURIComponent(session.id)}`,
    expiresAt: new Date(session.expiresAt).toISOString(),
  };
}

export interface BrowserResult {
  kind: 'redirect' | 'page';
  location?: string;
  cookies?: string[];
  connectionId?: string;
  /** For the success page. */
  providerName?: string;
}

const cookieAttrs = (baseUrl: string) =>
  `Path=/oauth; HttpOnly; SameSite=Lax${baseUrl.startsWith('https://') ? '; Secure' : ''}`;

export async function authorize(
  deps: ConnectionDeps,
  sessionId: string | undefined,
  baseUrl: string,
): Promise<BrowserResult> {
  if (!sessionId)
    throw new HookbridgeError('invalid_session', 'The link has no session; start again from the app');
  const now = deps.now();
  const invalid = (reason: 'unknown' | 'expired' | 'used') =>
    new HookbridgeError(
      'invalid_session',
      `This connect link ${{ unknown: 'is unknown', expired: 'has expired', used: 'has already been used' }[reason]}; start again from the app`,
    );
  // Read first, consume last: a transient failure of discovery or the secret lookup must not
  // burn the user's link.
  const pending = await deps.store.getSession(sessionId);
  if (!pending) throw invalid('unknown');
  if (pending.usedAt) throw invalid('used');
  if (pending.expiresAt <= now) throw invalid('expired');
  const config = await oauthIntegration(deps, pending.integrationId);
  const provider = await resolveProvider(config, { fetch: deps.fetch, now });
  const creds = await deps.clientCredentials(pending.integrationId);
  const consumed = await deps.store.consumeSession(sessionId, now);
  if (!consumed.ok) throw invalid(consumed.reason);
  const s = consumed.session;
  const scopes = [...new Set([...provider.defaultScopes, ...config.scopes])];
  const oidc = provider.issuer !== undefined && scopes.includes('openid');
  const state = pkce.state();
  const codeVerifier = provider.pkce ? pkce.verifier() : undefined;
  const nonce = oidc ? pkce.nonce() : undefined;
  const binding = randomBytes(32).toString('base64url');
  const redirectUri = `${baseUrl}/oauth/callback`;
  await deps.store.putState({
    state,
    sessionId: s.id,
    integrationId: s.integrationId,
    endUserId: s.endUserId,
    ...(s.returnUrl !== undefined ? { returnUrl: s.returnUrl } : {}),
    metadata: s.metadata,
    bindingHash: sha256(binding),
    ...(codeVerifier ? { codeVerifier } : {}),
    ...(nonce ? { nonce } : {}),
    redirectUri,
    scopes,
    expiresAt: now + OAUTH_STATE_TTL_MS,
  });
  const location = buildAuthorizationUrl(provider, {
    clientId: creds.clientId,
    redirectUri,
    state,
    scopes,
    codeChallenge: codeVerifier ? await pkce.challenge(codeVerifier) : undefined,
    nonce,
    extraParams: config.authorizationParams,
  });
  return {
    kind: 'redirect',
    location,
    cookies: [
      `${bindingCookieName(state)}=${binding}; ${cookieAttrs(baseUrl)}; Max-Age=${OAUTH_STATE_TTL_MS / 1000}`,
    ],
  };
}

const readCookie = (cookies: string[], name: string): string | undefined => {
  for (const c of cookies) {
    for (const part of c.split(';')) {
      const i = part.indexOf('=');
      if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
    }
  }
  return undefined;
};

export async function callback(
  deps: ConnectionDeps,
  req: { rawQueryString: string; cookies: string[] },
  baseUrl: string,
): Promise<BrowserResult> {
  const query = new URLSearchParams(req.rawQueryString);
  const stateParam = query.get('state');
  if (!stateParam) throw new HookbridgeError('invalid_state', 'The callback has no state parameter');
  const cookieName = bindingCookieName(stateParam);
  const clearCookie = `${cookieName}=; ${cookieAttrs(baseUrl)}; Max-Age=0`;
  // 1. The browser-binding cookie: a callback from another browser never touches the state.
  const binding = readCookie(req.cookies, cookieName);
  if (!binding) {
    throw new HookbridgeError(
      'missing_state_cookie',
      'This sign-in did not start in this browser (no binding cookie); start again from the app',
    );
  }
  // 2. Consume the state, once, and only with the matching binding (the hash is in the delete's
  // condition, so a wrong cookie leaves the state for the right browser).
  const now = deps.now();
  const taken = await deps.store.takeState(stateParam, now, sha256(binding));
  if (!taken.ok) {
    if (taken.reason === 'binding')
      throw new HookbridgeError('missing_state_cookie', 'This sign-in was started in a different browser');
    throw new HookbridgeError('invalid_state', 'The state is unknown, expired or already used');
  }
  const state = taken.state;
  const config = await oauthIntegration(deps, state.integrationId);
  const provider = await resolveProvider(config, { fetch: deps.fetch, now });
  const creds = await deps.clientCredentials(state.integrationId);
  // 3. RFC 9207 iss, then 4. provider errors (redirected to the app with the error).
  const checked = checkAuthorizationResponse(provider, creds.clientId, query, state.state);
  if (checked.kind === 'provider_error') {
    if (state.returnUrl) {
      const back = new URL(state.returnUrl);
      back.searchParams.set('error', checked.error);
      if (checked.description) back.searchParams.set('error_description', checked.description.slice(0, 300));
      return { kind: 'redirect', location: back.toString(), cookies: [clearCookie] };
    }
    throw new HookbridgeError(
      'invalid_grant',
      `The provider answered "${checked.error}"${checked.description ? `: ${checked.description}` : ''}`,
    );
  }
  // Redirect values (Shopify `shop`, QuickBooks `realmId`) come from the browser: they never
  // override the integration's params, and must agree with them.
  const redirectMeta = redirectMetadataOf(provider, query, config.params);
  // 5. The code exchange, with the catalog's client-auth method and the server-side PKCE verifier.
  const spec = buildTokenRequest(
    provider,
    {
      grantType: 'authorization_code',
      code: checked.code,
      redirectUri: state.redirectUri,
      codeVerifier: state.codeVerifier,
    },
    creds,
  );
  let res: { status: number; text: string };
  try {
    res = await sendSpec(deps, spec);
  } catch (err) {
    if (err instanceof HookbridgeError && err.code === 'ssrf_blocked') throw err;
    throw new HookbridgeError('token_exchange_failed', 'The provider’s token endpoint did not answer');
  }
  const outcome = parseTokenResponse(provider, res.status, res.text, deps.now());
  if (!outcome.ok) {
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
  const t = outcome.tokens;
  // 6. The ID token, fully (OIDC Core 3.1.3.7).
  if (state.nonce !== undefined) {
    if (!t.idToken)
      throw new HookbridgeError(
        'invalid_id_token',
        'The provider returned no ID token for an openid request',
      );
    await validateIdToken(t.idToken, {
      issuer: provider.issuer!,
      clientId: creds.clientId,
      nonce: state.nonce,
      getKey: jwksFor(deps, provider),
      now: deps.now(),
    });
  }
  // 7. Store (create or update the one connection for this end user and integration). The
  // integration's params always win over token-response and redirect values.
  const connection = await upsertConnection(deps, state, provider, config, t, {
    ...t.metadata,
    ...redirectMeta,
    ...config.params,
  });
  if (state.returnUrl) {
    const back = new URL(state.returnUrl);
    back.searchParams.set('connection_id', connection.id);
    back.searchParams.set('integration_id', connection.integrationId);
    return {
      kind: 'redirect',
      location: back.toString(),
      cookies: [clearCookie],
      connectionId: connection.id,
    };
  }
  return {
    kind: 'page',
    cookies: [clearCookie],
    connectionId: connection.id,
    providerName: providerDisplayName(provider.slug),
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
        `The callback's "${k}" does not match the integration's ${k}; start again from the app`,
      );
    }
  }
  return out;
}

const jwksCache = new Map<string, { fetch: unknown; set: ReturnType<typeof createRemoteJWKSet> }>();
/** The JWKS is fetched through the same SSRF-guarded fetch as every other OAuth call. */
function jwksFor(deps: ConnectionDeps, p: ResolvedProvider) {
  if (!p.jwksUri)
    throw new HookbridgeError('invalid_id_token', 'The issuer publishes no JWKS to verify the ID token with');
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
  return hit.set;
}

async function upsertConnection(
  deps: ConnectionDeps,
  state: { integrationId: string; endUserId: string; metadata: Record<string, unknown>; scopes: string[] },
  provider: ResolvedProvider,
  config: OAuthIntegrationConfig,
  t: {
    accessToken: string;
    refreshToken?: string | undefined;
    idToken?: string | undefined;
    tokenType: string;
    expiresAt?: number | undefined;
    scopes?: string[] | undefined;
  },
  providerMetadata: Record<string, unknown>,
): Promise<ConnectionRecord> {
  const id = connectionIdFor(state.integrationId, state.endUserId);
  const vault = await deps.vault();
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await deps.store.get(id);
    const keepRefresh =
      existing && !t.refreshToken
        ? (await openTokens<TokenSet>(deps, existing.tokens)).refreshToken
        : undefined;
    const tokens: TokenSet = {
      accessToken: t.accessToken,
      refreshToken: t.refreshToken ?? keepRefresh,
      idToken: t.idToken,
      tokenType: t.tokenType,
    };
    const at = new Date(deps.now()).toISOString();
    const rec: ConnectionRecord = {
      id,
      integrationId: state.integrationId,
      provider: config.provider === 'oidc' || config.provider === 'oauth2' ? config.provider : provider.slug,
      endUserId: state.endUserId,
      status: 'active',
      scopes: t.scopes ?? state.scopes,
      metadata: state.metadata,
      providerMetadata,
      tokens: await vault.seal(tokens),
      kid: vault.currentKid,
      hasRefreshToken: tokens.refreshToken !== undefined,
      ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt } : {}),
      version: (existing?.version ?? 0) + 1,
      refreshFailures: 0,
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
    };
    if (await deps.store.save(rec, existing?.version)) {
      forgetConnection(id);
      deps.log.info('connection stored', {
        connectionId: id,
        integrationId: rec.integrationId,
        reconnected: !!existing,
      });
      if (!existing) await publish(deps, 'connection.created', rec, deps.now());
      else if (existing.status === 'needs_reauth')
        await publish(deps, 'connection.recovered', rec, deps.now(), { reconnected: true });
      else await publish(deps, 'connection.created', rec, deps.now(), { reconnected: true });
      return rec;
    }
  }
  throw new HookbridgeError('conflict', 'The connection was being changed concurrently; try again');
}

/** The `error` of a `{"ok":false}` body (Slack style), or undefined when the body is not one. */
function okFalseError(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && (body as { ok?: unknown }).ok === false) {
      const e = (body as { error?: unknown }).error;
      return typeof e === 'string' ? e.slice(0, 100) : 'unknown';
    }
  } catch {
    // not JSON: RFC 7009 answers 200 with an empty body
  }
  return undefined;
}

/** RFC 7009 revocation where the catalog has an endpoint, then delete. A provider error is reported, not fatal. */
export async function deleteConnection(
  deps: ConnectionDeps,
  id: string,
): Promise<{ revoked: boolean | 'unsupported'; revocationError?: string }> {
  const c = await deps.store.get(id);
  if (!c) throw new HookbridgeError('not_found', `No connection ${id}`);
  let revoked: boolean | 'unsupported' = 'unsupported';
  let revocationError: string | undefined;
  try {
    const rec = await deps.integrations.get(c.integrationId);
    if (rec && isOAuth(rec.config)) {
      const provider = await resolveProvider(rec.config, { fetch: deps.fetch, now: deps.now() });
      if (provider.revocation) {
        const tokens = await openTokens<TokenSet>(deps, c.tokens);
        const creds = await deps.clientCredentials(c.integrationId);
        const useRefresh = provider.revocation.prefer === 'refresh_token' && tokens.refreshToken;
        const targets: { value: string; hint: 'refresh_token' | 'access_token' }[] = useRefresh
          ? [
              { value: tokens.refreshToken!, hint: 'refresh_token' },
              { value: tokens.accessToken, hint: 'access_token' },
            ]
          : [{ value: tokens.accessToken, hint: 'access_token' }];
        revoked = true;
        for (const target of targets) {
          const spec = buildRevocationRequest(provider, target, creds)!;
          const res = await sendSpec(deps, spec);
          if (res.status >= 400) {
            revoked = false;
            revocationError = `revocation endpoint answered HTTP ${res.status}`;
            break;
          }
          // Slack's auth.revoke (and similar) answers 200 {"ok":false,"error":…} on failure.
          const refused = okFalseError(res.text);
          if (refused !== undefined) {
            revoked = false;
            revocationError = `revocation endpoint answered ok:false (${refused})`;
            break;
          }
        }
      }
    }
  } catch (err) {
    revoked = false;
    revocationError = err instanceof HookbridgeError ? err.message : 'the revocation endpoint did not answer';
  }
  await deps.store.delete(id);
  forgetConnection(id);
  deps.log.info('connection deleted', { connectionId: id, revoked, revocationError });
  await publish(deps, 'connection.revoked', c, deps.now(), {
    revokedAtProvider: revoked,
    ...(revocationError ? { revocationError } : {}),
  });
  return { revoked, ...(revocationError ? { revocationError } : {}) };
}

export const providerDisplayName = (slug: string): string => getProvider(slug)?.name ?? 'account';

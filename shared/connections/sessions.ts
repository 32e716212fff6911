/**
 * The start of the OAuth dance: connect sessions (single-use links for one end user) and
 * `/oauth/authorize`, which consumes the session, stores the server-side state (PKCE verifier,
 * nonce, the hash of the browser-binding cookie) and redirects to the provider.
 */
import { randomBytes } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import { isOAuth, type OAuthIntegrationConfig } from '../integrations/schema.js';
import type { ClientCredentials } from '../oauth/client-auth.js';
import { buildAuthorizationUrl, pkce, type ResolvedProvider, readyClient } from '../oauth/protocol.js';
import { authenticatedPost } from '../oauth/token.js';
import { type BrowserResult, bindingCookieName, cookieAttrs, sha256 } from './browser-binding.js';
import { type ConnectionDeps, providerFor, sendSpec } from './deps.js';
import {
  CONNECT_SESSION_TTL_MS,
  type ConnectSession,
  MAX_SESSION_CHARS,
  OAUTH_STATE_TTL_MS,
} from './model.js';

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

export async function oauthIntegration(deps: ConnectionDeps, id: string): Promise<OAuthIntegrationConfig> {
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
  await deps.clientCredentials(input.integrationId, config.provider); // fail now, not in the user's browser
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

/** The authorization request's URL and the secrets behind it: state, PKCE verifier, OIDC nonce. */
async function authorizationRequest(
  provider: ResolvedProvider,
  config: OAuthIntegrationConfig,
  clientId: string,
  redirectUri: string,
) {
  const scopes = [...new Set([...provider.defaultScopes, ...config.scopes])];
  const state = pkce.state();
  const codeVerifier = provider.pkce ? pkce.verifier() : undefined;
  const nonce = provider.issuer !== undefined && scopes.includes('openid') ? pkce.nonce() : undefined;
  const url = buildAuthorizationUrl(provider, {
    clientId,
    redirectUri,
    state,
    scopes,
    codeChallenge: codeVerifier ? await pkce.challenge(codeVerifier) : undefined,
    nonce,
    extraParams: config.authorizationParams,
  });
  return { url, state, codeVerifier, nonce, scopes };
}

/**
 * RFC 9126: the authorization request's parameters go to the PAR endpoint (client-authenticated,
 * like a token request); the browser gets only `client_id` and the `request_uri` it answered.
 */
async function pushAuthorizationRequest(
  deps: ConnectionDeps,
  provider: ResolvedProvider,
  creds: ClientCredentials,
  authorizationUrl: string,
): Promise<string> {
  const url = new URL(authorizationUrl);
  const ready = await readyClient(provider, creds, deps.now());
  const fields = Object.fromEntries(url.searchParams);
  const spec = authenticatedPost(
    provider.par!.endpoint,
    'form',
    provider.clientAuth,
    ready,
    fields,
    provider.headers,
  );
  const res = await sendSpec(deps, spec).catch((err: unknown) => {
    if (err instanceof HookbridgeError) throw err;
    throw new HookbridgeError(
      'upstream_error',
      'The provider’s pushed authorization request endpoint did not answer',
    );
  });
  const requestUri = parBody(res.text)?.request_uri;
  if (res.status !== 201 && res.status !== 200) {
    const error = parBody(res.text)?.error;
    throw new HookbridgeError(
      'upstream_error',
      `The provider refused the pushed authorization request (HTTP ${res.status}${typeof error === 'string' ? `, ${error.slice(0, 100)}` : ''})`,
    );
  }
  if (typeof requestUri !== 'string' || !requestUri)
    throw new HookbridgeError('upstream_error', 'The pushed authorization request answer has no request_uri');
  const out = new URL(provider.authorizationUrl);
  out.search = new URLSearchParams({ client_id: creds.clientId, request_uri: requestUri }).toString();
  return out.toString();
}

const parBody = (text: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

export async function authorize(
  deps: ConnectionDeps,
  sessionId: string | undefined,
  baseUrl: string,
): Promise<BrowserResult> {
  if (!sessionId) throw new HookbridgeError('invalid_session', 'The link has no session');
  if (sessionId.length > MAX_SESSION_CHARS)
    throw new HookbridgeError(
      'invalid_session',
      `The link's session is over ${MAX_SESSION_CHARS} characters`,
    );
  const now = deps.now();
  const invalid = (reason: 'unknown' | 'expired' | 'used') =>
    new HookbridgeError(
      'invalid_session',
      `This connect link ${{ unknown: 'is unknown', expired: 'has expired', used: 'has already been used' }[reason]}`,
    );
  // Read first, consume last: a transient failure of discovery or the secret lookup must not
  // burn the user's link.
  const pending = await deps.store.getSession(sessionId);
  if (!pending) throw invalid('unknown');
  if (pending.usedAt) throw invalid('used');
  if (pending.expiresAt <= now) throw invalid('expired');
  const config = await oauthIntegration(deps, pending.integrationId);
  const provider = await providerFor(deps, config, now);
  const creds = await deps.clientCredentials(pending.integrationId, config.provider);
  const redirectUri = `${baseUrl}/oauth/callback`;
  const { url, state, codeVerifier, nonce, scopes } = await authorizationRequest(
    provider,
    config,
    creds.clientId,
    redirectUri,
  );
  // Pushed before the link is consumed: a PAR endpoint that fails leaves the link usable.
  const location = provider.par ? await pushAuthorizationRequest(deps, provider, creds, url) : url;
  const consumed = await deps.store.consumeSession(sessionId, now);
  if (!consumed.ok) throw invalid(consumed.reason);
  const s = consumed.session;
  const binding = randomBytes(32).toString('base64url');
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
  return {
    kind: 'redirect',
    location,
    cookies: [
      `${bindingCookieName(state)}=${binding}; ${cookieAttrs(baseUrl)}; Max-Age=${OAUTH_STATE_TTL_MS / 1000}`,
    ],
  };
}

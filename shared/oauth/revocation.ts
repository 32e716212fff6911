/** Token revocation (RFC 7009), as a pure request builder like the token request. */
import type { ClientCredentials } from './client-auth.js';
import type { ResolvedProvider } from './discovery.js';
import { authenticatedPost, type HttpRequestSpec } from './token.js';

export interface RevocationTarget {
  value: string;
  hint: 'refresh_token' | 'access_token';
}

/**
 * The tokens a delete revokes, in order, as the catalog's `prefer` says: the refresh token first
 * (it ends the whole grant where it exists) then the access token; the access token only; or
 * `each`, the access token then the refresh token (Slack, where one leaves the other valid).
 */
export function revocationTargets(
  p: Pick<ResolvedProvider, 'revocation'>,
  tokens: { accessToken: string; refreshToken?: string | undefined },
): RevocationTarget[] {
  const access: RevocationTarget = { value: tokens.accessToken, hint: 'access_token' };
  const prefer = p.revocation?.prefer;
  if (!tokens.refreshToken || prefer === 'access_token') return [access];
  const refresh: RevocationTarget = { value: tokens.refreshToken, hint: 'refresh_token' };
  return prefer === 'each' ? [access, refresh] : [refresh, access];
}

/** The revocation request (or the provider's JSON variant), or undefined when the provider has none. */
export function buildRevocationRequest(
  p: ResolvedProvider,
  token: RevocationTarget,
  creds: ClientCredentials,
): HttpRequestSpec | undefined {
  if (!p.revocation) return undefined;
  const fields: Record<string, string> = { token: token.value, token_type_hint: token.hint };
  return authenticatedPost(p.revocation.url, p.revocation.format, p.clientAuth, creds, fields, p.headers);
}

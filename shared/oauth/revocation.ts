/** Token revocation (RFC 7009), as a pure request builder like the token request. */
import type { ClientCredentials } from './client-auth.js';
import type { ResolvedProvider } from './discovery.js';
import { authenticatedPost, type HttpRequestSpec } from './token.js';

/** The revocation request (or the provider's JSON variant), or undefined when the provider has none. */
export function buildRevocationRequest(
  p: ResolvedProvider,
  token: { value: string; hint: 'refresh_token' | 'access_token' },
  creds: ClientCredentials,
): HttpRequestSpec | undefined {
  if (!p.revocation) return undefined;
  const fields: Record<string, string> = { token: token.value, token_type_hint: token.hint };
  return authenticatedPost(p.revocation.url, p.revocation.format, p.clientAuth, creds, fields);
}

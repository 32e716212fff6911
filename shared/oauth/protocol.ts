/**
 * OAuth 2.0 / OIDC protocol steps over the catalog, one file per step, as pure functions wherever
 * possible: request builders return `{url, headers, body}` and response processors validate. The
 * I/O (fetch) is injected by the caller. oauth4webapi does discovery, PKCE and the RFC 9207
 * authorization-response check; jose verifies ID tokens.
 */
export {
  type AuthResponseCheck,
  buildAuthorizationUrl,
  checkAuthorizationResponse,
  pkce,
} from './authorization.js';
export type { ClientCredentials } from './client-auth.js';
export { checkIssuer, discover, type ResolvedProvider, readyClient, resolveProvider } from './discovery.js';
export { refetchingKeys, validateIdToken } from './id-token.js';
export { buildRevocationRequest, type RevocationTarget, revocationTargets } from './revocation.js';
export {
  buildTokenRequest,
  type HttpRequestSpec,
  type ParsedTokens,
  parseTokenResponse,
  type TokenGrant,
  type TokenOutcome,
} from './token.js';

/**
 * The authorization request (RFC 6749 §4.1.1 with PKCE and an OIDC nonce) and the checks on the
 * authorization response the callback receives (RFC 9207 `iss`, state, provider errors).
 */
import * as oauth from 'oauth4webapi';
import { HookbridgeError } from '../errors.js';
import type { ResolvedProvider } from './discovery.js';

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

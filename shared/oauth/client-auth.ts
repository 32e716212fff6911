/**
 * OAuth client authentication at the token, PAR and revocation endpoints (RFC 6749 §2.3.1, OIDC
 * Core §9, RFC 7523): one strategy per method, used by the authorization-code flow, refresh,
 * revocation and the client-credentials grant. The JWT methods sign a fresh assertion per request
 * (`prepareClientAuth`), so the builders stay synchronous.
 */
import { randomUUID } from 'node:crypto';
import type { JWK, SignJWT } from 'jose';
import { HookbridgeError } from '../errors.js';
import type { ClientAuthMethod } from './providers.js';

export type { ClientAuthMethod };

/** Every method Hookbridge can use; the catalog's entries name one of the first two. */
export type TokenAuthMethod = ClientAuthMethod | 'client_secret_jwt' | 'private_key_jwt';

/** From a server's `token_endpoint_auth_methods_supported`, in this order of preference (after private_key_jwt, when the secret has a key). */
export const USABLE_AUTH_METHODS: readonly TokenAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
];

export interface ClientCredentials {
  clientId: string;
  /** Empty when the secret holds only a private key (private_key_jwt). */
  clientSecret: string;
  /** A private JWK with `kid` (and `alg`, else RS256 / ES256 / EdDSA from its type), for private_key_jwt. */
  privateKeyJwk?: JWK | undefined;
  /** Set by prepareClientAuth: the method chosen for this server, and its signed assertion. */
  method?: TokenAuthMethod | undefined;
  clientAssertion?: string | undefined;
}

/**
 * RFC 6749 appendix B: application/x-www-form-urlencoded (WHATWG serializer). A space is written
 * `%20`, not `+`: a form decoder reads both as a space, and `%20` also survives servers that only
 * percent-decode.
 */
export const formUrlEncode = (value: string): string =>
  new URLSearchParams([['', value]]).toString().slice(1).replace(/\+/g, '%20');

/** Basic credentials: the id and the secret are each form-encoded before they are joined and base64-encoded. */
export const basicAuthorization = (creds: ClientCredentials): string =>
  `Basic ${Buffer.from(`${formUrlEncode(creds.clientId)}:${formUrlEncode(creds.clientSecret)}`).toString('base64')}`;

type Strategy = (
  creds: ClientCredentials,
  fields: Record<string, string>,
  headers: Record<string, string>,
) => void;

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const assertion: Strategy = (creds, fields) => {
  if (!creds.clientAssertion) throw new Error('client assertion not prepared (call prepareClientAuth)');
  fields.client_id = creds.clientId;
  fields.client_assertion_type = JWT_BEARER;
  fields.client_assertion = creds.clientAssertion;
};

const STRATEGIES: Record<TokenAuthMethod, Strategy> = {
  client_secret_basic: (creds, _fields, headers) => {
    headers.authorization = basicAuthorization(creds);
  },
  client_secret_post: (creds, fields) => {
    fields.client_id = creds.clientId;
    fields.client_secret = creds.clientSecret;
  },
  client_secret_jwt: assertion,
  private_key_jwt: assertion,
};

/** Adds the client's credentials to a request's body fields or headers, as the method says. */
export function applyClientAuth(
  method: TokenAuthMethod,
  creds: ClientCredentials,
  fields: Record<string, string>,
  headers: Record<string, string>,
): void {
  STRATEGIES[method](creds, fields, headers);
}

/** The methods of `offered` that Hookbridge implements (a server that says nothing offers client_secret_basic). */
export const usableMethods = (offered: readonly string[] | undefined): TokenAuthMethod[] =>
  USABLE_AUTH_METHODS.filter((m) => (offered ?? ['client_secret_basic']).includes(m));

/** The method for these credentials: private_key_jwt when the secret has a key, else the first secret-based one offered. */
export function chooseClientAuth(
  offered: readonly string[] | undefined,
  creds: ClientCredentials,
): TokenAuthMethod | undefined {
  const usable = usableMethods(offered);
  if (creds.privateKeyJwk && usable.includes('private_key_jwt')) return 'private_key_jwt';
  return usable.find((m) => m !== 'private_key_jwt' && creds.clientSecret !== '');
}

const DEFAULT_ALG: Record<string, string> = { RSA: 'RS256', EC: 'ES256', OKP: 'EdDSA' };

/**
 * The credentials ready for one request: the method (`fixed`, or chosen from what the server
 * offers) and, for the JWT methods, a fresh assertion (RFC 7523 §3: iss = sub = client_id, a
 * unique jti, 60 s lifetime) for `audience` (the issuer, else the endpoint).
 */
export async function prepareClientAuth(
  server: { fixed: TokenAuthMethod; offered?: readonly string[] | undefined; audience: string },
  creds: ClientCredentials,
  now: number,
): Promise<ClientCredentials> {
  const method = server.offered ? chooseClientAuth(server.offered, creds) : server.fixed;
  if (!method) {
    throw new HookbridgeError(
      'misconfigured',
      `The client secret fits none of the server's client authentication methods (${usableMethods(server.offered).join(', ') || 'none Hookbridge supports'})`,
    );
  }
  if (method !== 'client_secret_jwt' && method !== 'private_key_jwt') return { ...creds, method };
  const iat = Math.floor(now / 1000);
  // jose loads only for the JWT methods: the proxy and reconcilers that never use them skip it.
  const { SignJWT } = await import('jose');
  const jwt = new SignJWT({})
    .setIssuer(creds.clientId)
    .setSubject(creds.clientId)
    .setAudience(server.audience)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60);
  const clientAssertion =
    method === 'client_secret_jwt'
      ? await jwt.setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(creds.clientSecret))
      : await signWithKey(jwt, creds.privateKeyJwk!);
  return { ...creds, method, clientAssertion };
}

async function signWithKey(jwt: SignJWT, jwk: JWK): Promise<string> {
  const alg = jwk.alg ?? DEFAULT_ALG[jwk.kty ?? ''] ?? 'RS256';
  try {
    const { importJWK } = await import('jose');
    const key = await importJWK(jwk, alg);
    return await jwt.setProtectedHeader({ alg, ...(jwk.kid ? { kid: jwk.kid } : {}) }).sign(key);
  } catch {
    throw new HookbridgeError(
      'misconfigured',
      'The client secret’s privateKeyJwk is not a usable private key',
    );
  }
}

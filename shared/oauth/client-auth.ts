/**
 * OAuth client authentication at the token and revocation endpoints (RFC 6749 §2.3.1): one
 * strategy per method, shaped like oauth4webapi's ClientSecretBasic / ClientSecretPost, used by
 * the authorization-code flow, refresh, revocation and the client-credentials grant.
 */
import type { ClientAuthMethod } from './providers.js';

export type { ClientAuthMethod };

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
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

const STRATEGIES: Record<ClientAuthMethod, Strategy> = {
  client_secret_basic: (creds, _fields, headers) => {
    headers.authorization = basicAuthorization(creds);
  },
  client_secret_post: (creds, fields) => {
    fields.client_id = creds.clientId;
    fields.client_secret = creds.clientSecret;
  },
};

/** Adds the client's credentials to a request's body fields or headers, as the method says. */
export function applyClientAuth(
  method: ClientAuthMethod,
  creds: ClientCredentials,
  fields: Record<string, string>,
  headers: Record<string, string>,
): void {
  STRATEGIES[method](creds, fields, headers);
}

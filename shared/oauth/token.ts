/**
 * The token request (authorization code, refresh) as a pure builder returning `{url, headers,
 * body}`, and the validation of the token endpoint's answer. The caller sends it.
 */
import { applyClientAuth, type ClientCredentials, type TokenAuthMethod } from './client-auth.js';
import type { ResolvedProvider } from './discovery.js';
import { valueAt } from './providers.js';

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

/** A POST to a token or revocation endpoint: the client's credentials added, the body in the provider's format. */
export function authenticatedPost(
  url: string,
  format: 'form' | 'json',
  clientAuth: TokenAuthMethod,
  creds: ClientCredentials,
  fields: Record<string, string>,
  /** The catalog's headers for every call to the provider (Notion `Notion-Version`). */
  extraHeaders: Record<string, string> = {},
): HttpRequestSpec {
  const headers: Record<string, string> = { ...extraHeaders, accept: 'application/json' };
  applyClientAuth(creds.method ?? clientAuth, creds, fields, headers);
  const { body, contentType } = encodeBody(format, fields);
  headers['content-type'] = contentType;
  return { url, method: 'POST', headers, body };
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
  // The catalog's extra fields (Shopify `expiring=1`) never replace the protocol's own.
  const extra = p.tokenParams?.[grant.grantType] ?? {};
  return authenticatedPost(
    p.tokenUrl,
    p.tokenRequestFormat,
    p.clientAuth,
    creds,
    { ...extra, ...fields },
    p.headers,
  );
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
  | {
      ok: false;
      error: string;
      description?: string | undefined;
      transient: boolean;
      /** The grant is gone: invalid_grant, or one of the provider's own codes for it (GitHub `bad_refresh_token`). */
      invalidGrant?: boolean | undefined;
    };

const pathGet = valueAt;

/** Validates a token-endpoint response. Never includes token values in the error text. */
export function parseTokenResponse(
  p: ResolvedProvider,
  status: number,
  text: string,
  now: number,
  grant: TokenGrant['grantType'] = 'authorization_code',
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
    // HubSpot names its error in `status` ({"status":"BAD_REFRESH_TOKEN","message":…}).
    const named = typeof body.error === 'string' ? body.error : status >= 400 ? body.status : undefined;
    const error = typeof named === 'string' && named ? named.slice(0, 100) : `http_${status}`;
    return {
      ok: false,
      error,
      invalidGrant: error === 'invalid_grant' || (p.tokenResponse.reauthErrors ?? []).includes(error),
      description:
        typeof body.error_description === 'string' ? body.error_description.slice(0, 300) : undefined,
      transient,
    };
  }
  const holderPath = p.tokenResponse.path?.[grant];
  const holder = (holderPath ? pathGet(body, holderPath) : body) as Record<string, unknown> | undefined;
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

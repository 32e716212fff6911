/**
 * The typed client for calling a provider's API as a connection (its OAuth token) or as an
 * integration (an API key or a client-credentials token from Secrets Manager). The proxy route
 * uses it, and so can any other function: `callIntegration('stripe-prod', { method: 'GET', path: '/v1/balance' }, deps)`.
 */
import { HookbridgeError } from '../errors.js';
import type {
  ApiKeyIntegrationConfig,
  ClientCredentialsIntegrationConfig,
  IntegrationConfig,
} from '../integrations/schema.js';
import type { ProviderEntry as CatalogEntry } from '../oauth/providers.js';
import { type CredentialHeaders, type OutboundDeps, sendWithPolicy } from '../outbound/policy.js';
import { declaredHostOf, pathTemplateOf } from '../outbound/url.js';
import type { IntegrationRepo } from '../ports/index.js';
import { apiKeySecretName, oauthSecretName } from '../secret-names.js';
import { placeholderError, SECRET_PLACEHOLDER } from '../secrets.js';
import type { ClientCredentialsTokens } from './client-credentials.js';
import { API_BASE_HEADER, filterResponseHeaders, forwardRequestHeaders } from './headers.js';

export interface ProxyRequest {
  method: string;
  /** Path below the API base URL, exactly as it should be sent (already percent-encoded). */
  path: string;
  /** Raw query string, without `?`. */
  query?: string | undefined;
  headers?: Record<string, string> | undefined;
  body?: Buffer | string | undefined;
  /** Shown in the log line instead of the path; defaults to the path with ids templated out. */
  pathTemplate?: string | undefined;
  /** An earlier end for the whole call (deps clock) than the policy's total timeout. */
  deadline?: number | undefined;
}

export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  attempts: number;
}

/** A connection's fresh access token and what the proxy needs to know about it. */
export interface ConnectionToken {
  accessToken: string;
  tokenType: string;
  integrationId: string;
  provider: string;
  /** Kept token-response and redirect values, e.g. Salesforce `instance_url`. */
  metadata: Record<string, unknown>;
}

/** `deadline` (epoch ms, deps clock) bounds the token read, lease wait and refresh. */
export type ConnectionTokenSource = (
  connectionId: string,
  opts?: { forceRefresh?: boolean; deadline?: number },
) => Promise<ConnectionToken>;

export interface SecretReader {
  get(name: string): Promise<unknown | undefined>;
  refreshAfterFailure(name: string): Promise<boolean>;
  /** The backend, so a placeholder error says how to set the secret there. */
  readonly store?: { readonly kind: 'secrets-manager' | 'file' };
}

export interface ProxyDeps {
  integrations: Pick<IntegrationRepo, 'get'>;
  secrets: SecretReader;
  connectionTokens: ConnectionTokenSource;
  clientCredentials: ClientCredentialsTokens;
  outbound: OutboundDeps;
  /** The secrets file, named in the placeholder error when the backend is `file`. */
  secretsFile?: string | undefined;
  /** The local runtime's dev OpenID provider (local mode only): the `dev` entry's API base. */
  devIssuer?: string | undefined;
}

export type AuthScheme = { type: 'bearer' } | { type: 'basic' } | { type: 'header'; name: string };

interface Target {
  provider: string;
  baseUrl: string;
  allowedHosts: string[];
  auth: CredentialHeaders;
  /** Headers carrying the credential, stripped from the response too. */
  credentialHeaders: string[];
  log: { connectionId?: string; integrationId?: string };
  /** End of the request's whole budget (deps clock), when it started before the call. */
  deadline?: number | undefined;
  /** The catalog's extra forwarded caller headers, and the headers it adds when the caller sent none. */
  headers?: { forward: readonly string[]; defaults: Record<string, string> } | undefined;
}

const credentialHeaderNames = (scheme: AuthScheme): string[] =>
  scheme.type === 'header' ? [scheme.name.toLowerCase()] : ['authorization'];

export function schemeHeaders(
  scheme: AuthScheme,
  secret: { token?: string; username?: string; password?: string },
) {
  if (scheme.type === 'basic') {
    const user = secret.username ?? secret.token ?? '';
    return { authorization: `Basic ${Buffer.from(`${user}:${secret.password ?? ''}`).toString('base64')}` };
  }
  if (scheme.type === 'header') return { [scheme.name.toLowerCase()]: secret.token ?? '' };
  return { authorization: `Bearer ${secret.token ?? ''}` };
}

/** Builds the target URL: base path + request path, refusing dot segments that would climb out of the base. */
export function targetUrl(baseUrl: string, path: string, query?: string): URL {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new HookbridgeError('ssrf_blocked', 'The API base URL is not a valid URL', {
      extensions: { reason: 'invalid-base-url' },
    });
  }
  const segments = path.replace(/^\/+/, '').split('/');
  for (const s of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      throw new HookbridgeError('invalid_request', 'The path has a malformed percent-encoding');
    }
    if (decoded === '.' || decoded === '..' || /[\\\u0000-\u001f]/.test(decoded) || decoded.includes('/'))
      throw new HookbridgeError(
        'invalid_request',
        'The path may not contain dot segments, encoded slashes or control characters',
      );
  }
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/${segments.join('/')}`;
  const extra = query?.replace(/^\?/, '') ?? '';
  url.search = [base.search.replace(/^\?/, ''), extra].filter(Boolean).join('&');
  url.hash = '';
  return url;
}

/**
 * Credentials first: the first headers are built (secret read and checked, token fetched) before
 * any DNS lookup or connection, so a missing secret is named as such, even offline.
 */
async function withCredentialsFirst(auth: CredentialHeaders): Promise<CredentialHeaders> {
  let first: Record<string, string> | undefined = await auth.headers({ forceRefresh: false });
  return {
    headers: async (opts) => {
      const ready = opts.forceRefresh ? undefined : first;
      first = undefined;
      return ready ?? auth.headers(opts);
    },
  };
}

async function send(target: Target, req: ProxyRequest, deps: ProxyDeps): Promise<ProxyResponse> {
  const url = targetUrl(target.baseUrl, req.path, req.query);
  const auth = await withCredentialsFirst(target.auth);
  const body =
    req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  const method = req.method.toUpperCase();
  const res = await sendWithPolicy(
    {
      method,
      url,
      allowedHosts: target.allowedHosts,
      headers: forwardRequestHeaders(req.headers ?? {}, target.headers?.forward, target.headers?.defaults),
      body: body?.length || !['GET', 'HEAD'].includes(method) ? body : undefined,
      auth,
      deadline: Math.min(
        target.deadline ?? Number.POSITIVE_INFINITY,
        req.deadline ?? Number.POSITIVE_INFINITY,
      ),
      log: {
        provider: target.provider,
        ...target.log,
        pathTemplate: req.pathTemplate ?? pathTemplateOf(url.pathname),
      },
    },
    deps.outbound,
  );
  return {
    status: res.status,
    headers: filterResponseHeaders(res.headers, target.credentialHeaders),
    body: res.body,
    attempts: res.attempts,
  };
}

async function loadIntegration(id: string, deps: ProxyDeps): Promise<IntegrationConfig> {
  const record = await deps.integrations.get(id);
  if (!record) throw new HookbridgeError('not_found', `No integration ${id}`);
  return record.config;
}

/** The API base a call goes to: the entry's own, or the named one `X-Hookbridge-Api-Base` picks (400 when unknown). */
function chosenBase(api: CatalogEntry['api'], headers: Record<string, string> = {}): string {
  const key = Object.keys(headers).find((h) => h.toLowerCase() === API_BASE_HEADER);
  const name = key === undefined ? undefined : headers[key]!.trim();
  if (!name) return api.baseUrl;
  const base = api.bases[name];
  if (base) return base;
  const names = Object.keys(api.bases);
  throw new HookbridgeError(
    'invalid_request',
    names.length
      ? `X-Hookbridge-Api-Base "${name.slice(0, 40)}" is not one of this provider's API bases: ${names.join(', ')}`
      : 'X-Hookbridge-Api-Base: this provider has one API base; leave the header out',
  );
}

/** The catalog's headers for a proxied call, placeholders filled from the connection; one whose value is missing is left out. */
function catalogHeaders(
  entry: CatalogEntry,
  values: Record<string, unknown>,
  fill: (template: string, values: Record<string, unknown>) => string,
): Record<string, string> {
  const out: Record<string, string> = { ...entry.headers };
  for (const [name, template] of Object.entries(entry.api.headers)) {
    try {
      out[name] = fill(template, values);
    } catch {
      // e.g. no Xero tenant was kept: the caller may send its own xero-tenant-id
    }
  }
  return out;
}

/** Calls the provider's API as a connection: its fresh OAuth token, in the catalog's scheme. */
export async function callConnection(
  connectionId: string,
  req: ProxyRequest,
  deps: ProxyDeps,
): Promise<ProxyResponse> {
  // One budget for the whole request: token (lease wait, refresh), the call, and a refresh after a 401.
  const deadline = deps.outbound.now() + deps.outbound.policy.totalTimeoutMs;
  const first = await deps.connectionTokens(connectionId, { deadline });
  // The OAuth catalog loads on first use: integration-only calls never pay for it at cold start.
  const catalog = await import('../oauth/providers.js');
  const { fillPlaceholders } = catalog;
  const config = await loadIntegration(first.integrationId, deps);
  if (config.type !== 'oauth')
    throw new HookbridgeError('conflict', `Integration ${first.integrationId} is not OAuth`);
  let api: { baseUrl: string; allowedHosts: string[]; scheme: AuthScheme };
  let headers: Target['headers'];
  let values: Record<string, unknown> = { ...('params' in config ? config.params : {}), ...first.metadata };
  if (config.provider === 'oauth2') {
    const generic = (config as { api?: { baseUrl: string; allowedHosts: string[] } }).api;
    if (!generic)
      throw new HookbridgeError(
        'conflict',
        `Integration ${first.integrationId} declares no API base URL to proxy to`,
      );
    api = { baseUrl: generic.baseUrl, allowedHosts: generic.allowedHosts, scheme: { type: 'bearer' } };
  } else {
    const entry = catalog.catalogEntry(config);
    if (!entry)
      throw new HookbridgeError(
        'conflict',
        `Provider ${config.provider} declares no API base URL to proxy to`,
      );
    api = {
      baseUrl: chosenBase(entry.api, req.headers),
      allowedHosts: entry.api.allowedHosts,
      scheme:
        entry.api.authScheme === 'header'
          ? { type: 'header', name: entry.api.headerName ?? 'authorization' }
          : { type: 'bearer' },
    };
    values = catalog.placeholderValues(entry, values, deps.devIssuer);
    headers = {
      forward: entry.api.forwardHeaders,
      defaults: catalogHeaders(entry, values, fillPlaceholders),
    };
  }
  let baseUrl: string;
  let allowedHosts: string[];
  try {
    baseUrl = fillPlaceholders(api.baseUrl, values);
    allowedHosts = api.allowedHosts.map((h) => fillPlaceholders(h, values));
  } catch (err) {
    throw new HookbridgeError(
      'conflict',
      `Connection ${connectionId} lacks API metadata: ${(err as Error).message}`,
    );
  }
  let current = first;
  const target: Target = {
    provider: first.provider,
    baseUrl,
    allowedHosts,
    credentialHeaders: credentialHeaderNames(api.scheme),
    log: { connectionId },
    deadline,
    headers,
    auth: {
      headers: async ({ forceRefresh }) => {
        if (forceRefresh)
          current = await deps.connectionTokens(connectionId, { forceRefresh: true, deadline });
        return schemeHeaders(api.scheme, { token: current.accessToken });
      },
    },
  };
  return send(target, req, deps);
}

const secretLocation = (deps: ProxyDeps) => ({
  kind: deps.secrets.store?.kind ?? ('secrets-manager' as const),
  file: deps.secretsFile,
});

function parseApiKeySecret(
  value: unknown,
): { token?: string; username?: string; password?: string } | undefined {
  if (typeof value === 'string' && value) return { token: value };
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.apiKey === 'string' && v.apiKey) return { token: v.apiKey };
  if (typeof v.username === 'string' && v.username)
    return { username: v.username, password: typeof v.password === 'string' ? v.password : '' };
  return undefined;
}

function parseClientCredentials(value: unknown): { clientId: string; clientSecret: string } | undefined {
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v.clientId === 'string' && v.clientId && typeof v.clientSecret === 'string' && v.clientSecret)
    return { clientId: v.clientId, clientSecret: v.clientSecret };
  return undefined;
}

/** Calls a provider's API as an integration: an API key or a client-credentials token. */
export async function callIntegration(
  integrationId: string,
  req: ProxyRequest,
  deps: ProxyDeps,
): Promise<ProxyResponse> {
  const config = await loadIntegration(integrationId, deps);
  if (config.type === 'oauth')
    throw new HookbridgeError(
      'invalid_request',
      `Integration ${integrationId} is OAuth: call it as a connection, /proxy/{connectionId}/…`,
    );
  const target =
    config.type === 'api-key'
      ? await apiKeyTarget(integrationId, config, deps)
      : clientCredentialsTarget(integrationId, config, deps);
  return send(target, req, deps);
}

async function apiKeyTarget(
  integrationId: string,
  config: ApiKeyIntegrationConfig,
  deps: ProxyDeps,
): Promise<Target> {
  const entry = config.provider
    ? (await import('../oauth/providers.js')).getProvider(config.provider)
    : undefined;
  if (config.provider && !entry && !config.baseUrl)
    throw new HookbridgeError(
      'misconfigured',
      `Integration ${integrationId} names unknown provider ${config.provider}`,
    );
  const baseUrl = config.baseUrl ?? entry!.api.baseUrl;
  if (/\{[A-Za-z_]/.test(baseUrl))
    throw new HookbridgeError(
      'misconfigured',
      `Integration ${integrationId} needs a baseUrl (the catalog's has placeholders)`,
    );
  const allowedHosts = config.allowedHosts.length
    ? config.allowedHosts
    : config.baseUrl
      ? [declaredHostOf(new URL(config.baseUrl))]
      : entry!.api.allowedHosts;
  const name = apiKeySecretName(integrationId);
  const readKey = async () => {
    const key = parseApiKeySecret(await deps.secrets.get(name));
    if (!key)
      throw new HookbridgeError('misconfigured', `Secret ${name} is missing or lacks "apiKey" or "username"`);
    if (key.token === SECRET_PLACEHOLDER || key.username === SECRET_PLACEHOLDER)
      throw placeholderError(secretLocation(deps), name, '{"apiKey":"…"}');
    return key;
  };
  return {
    provider: config.provider ?? 'api-key',
    baseUrl,
    allowedHosts,
    credentialHeaders: credentialHeaderNames(config.scheme),
    log: { integrationId },
    // A catalog provider's headers apply to its API keys too (GitHub's User-Agent).
    headers: entry ? { forward: entry.api.forwardHeaders, defaults: entry.headers } : undefined,
    auth: {
      headers: async ({ forceRefresh }) => {
        // A 401 may mean the key was rotated: re-read the secret (rate-limited by the cache).
        if (forceRefresh) await deps.secrets.refreshAfterFailure(name);
        return schemeHeaders(config.scheme, await readKey());
      },
    },
  };
}

function clientCredentialsTarget(
  integrationId: string,
  config: ClientCredentialsIntegrationConfig,
  deps: ProxyDeps,
): Target {
  const name = oauthSecretName(integrationId);
  return {
    provider: 'client-credentials',
    baseUrl: config.baseUrl,
    allowedHosts: config.allowedHosts,
    credentialHeaders: ['authorization'],
    log: { integrationId },
    auth: {
      headers: async ({ forceRefresh }) => {
        if (forceRefresh) await deps.secrets.refreshAfterFailure(name);
        const creds = parseClientCredentials(await deps.secrets.get(name));
        if (!creds)
          throw new HookbridgeError(
            'misconfigured',
            `Secret ${name} is missing or lacks "clientId" and "clientSecret"`,
          );
        if (creds.clientId === SECRET_PLACEHOLDER || creds.clientSecret === SECRET_PLACEHOLDER)
          throw placeholderError(secretLocation(deps), name, '{"clientId":"…","clientSecret":"…"}');
        const token = await deps.clientCredentials.token(integrationId, config, creds, { forceRefresh });
        return { authorization: `Bearer ${token.accessToken}` };
      },
    },
  };
}

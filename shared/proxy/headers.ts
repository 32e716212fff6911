/** Which headers cross the proxy, in each direction. */

/** Request headers the caller may send on to the provider. Everything else is dropped. */
const FORWARDED = new Set([
  'accept',
  'accept-language',
  'content-type',
  'content-language',
  'idempotency-key',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'prefer',
  'range',
  'user-agent',
  // Provider API versions and account scoping.
  'stripe-version',
  'stripe-account',
  'notion-version',
  'x-github-api-version',
  'linear-client-id',
]);

/** Never forwarded even though they look like provider headers: ours, the gateway's, or credentials. */
// Method overrides too: a GET that the upstream treats as a POST would be retried as if idempotent.
const NEVER_FORWARDED =
  /^(x-forwarded-|x-amz|x-amzn-|x-api-key$|x-real-ip$|x-hookbridge-|x-http-method-override$|x-http-method$|x-method-override$|x-original-url$|x-rewrite-url$)/;

/**
 * The caller's headers that cross: the common list, `x-` headers that are not ours, and the
 * ones the provider's catalog entry names (`providerForwarded`: Microsoft `ConsistencyLevel`,
 * Xero `xero-tenant-id`, Dropbox `Dropbox-API-Arg`), then the catalog's `defaults` for any the
 * caller did not send (GitHub `User-Agent`, Notion `Notion-Version`).
 */
export function forwardRequestHeaders(
  incoming: Record<string, string>,
  providerForwarded: readonly string[] = [],
  defaults: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [raw, value] of Object.entries(incoming)) {
    const name = raw.toLowerCase();
    if (NEVER_FORWARDED.test(name)) continue;
    if (FORWARDED.has(name) || name.startsWith('x-') || providerForwarded.includes(name)) out[name] = value;
  }
  for (const [name, value] of Object.entries(defaults)) out[name] ??= value;
  return out;
}

/** The request header that picks one of a provider's named API bases (Dropbox `content`); never forwarded. */
export const API_BASE_HEADER = 'x-hookbridge-api-base';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Recomputed by the gateway for the body we return.
  'content-length',
]);

const PROVIDER_AUTH = new Set(['authorization', 'www-authenticate', 'set-cookie', 'set-cookie2', 'cookie']);

/**
 * Response headers the caller gets: hop-by-hop headers (and any named in `Connection`), the
 * provider's auth and cookie headers, and the credential header of the integration's scheme are
 * removed. Repeated headers are comma-joined.
 */
export function filterResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  credentialHeaders: readonly string[] = [],
): Record<string, string> {
  const connection = upstream.connection;
  const named = new Set(
    (Array.isArray(connection) ? connection.join(',') : (connection ?? ''))
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const creds = new Set(credentialHeaders.map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [raw, value] of Object.entries(upstream)) {
    const name = raw.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(name) || PROVIDER_AUTH.has(name) || named.has(name)) continue;
    if (creds.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

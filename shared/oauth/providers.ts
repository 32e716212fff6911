import * as z from 'zod/mini';
import { HookbridgeError } from '../errors.js';
import '../zod-locale.js';

/**
 * The OAuth provider catalog, as data. Each entry says how to send a user to the provider, how
 * to exchange and refresh tokens, how to revoke them, which token-response and redirect values
 * to keep as connection metadata, and how the proxy calls the provider's API with them.
 *
 * Placeholders like `{tenant}` or `{shop}` in URLs are filled from the integration's `params`
 * (declared in `params`); `{instance_url}`-style placeholders in `api.baseUrl` are filled from
 * the connection's metadata (declared in `tokenResponse.metadata` or `redirectMetadata`).
 * A `localOnly` entry's URLs start with `{dev_issuer}`, the local runtime's dev OpenID provider.
 */

/** The placeholder a local-only entry's URLs start with: HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER. */
export const DEV_ISSUER = 'dev_issuer';
/** The catalog slug of the local runtime's dev OpenID provider. */
export const DEV_PROVIDER = 'dev';

const Url = z
  .string()
  .check(
    z.regex(
      /^(https:\/\/[^\s]+|\{dev_issuer\}[^\s]*)$/,
      'must be an https URL (placeholders allowed), or start with {dev_issuer}',
    ),
  );
/** The API base may be a placeholder filled from connection metadata (Salesforce `{instance_url}`). */
const ApiBaseUrl = z
  .string()
  .check(
    z.regex(/^(https:\/\/[^\s]+|\{[a-z_]+\}[^\s]*)$/, 'must be an https URL or start with a placeholder'),
  );
const Placeholder = z.string().check(z.regex(/^[a-z_][a-z0-9_]*$/i));
const BodyFormat = z._default(z.enum(['form', 'json']), 'form');
const Strings = z._default(z.array(z.string()), []);
const Fields = z.record(z.string(), z.string());
/** Header names in lower case; values may hold `{placeholders}` where the field says so. */
const Headers = z._default(z.record(z.string().check(z.regex(/^[a-z0-9-]+$/)), z.string()), {});
/** Something per grant: the authorization-code exchange and the refresh differ for some providers. */
const PerGrant = <T extends z.core.SomeType>(t: T) =>
  z._default(z.strictObject({ authorization_code: z.optional(t), refresh_token: z.optional(t) }), {});

/** Which tokens a revocation sends, in order (see revocationTargets in revocation.ts). */
export const RevocationTokens = z.enum(['refresh_token', 'access_token', 'each']);

export const ClientAuthMethod = z.enum(['client_secret_basic', 'client_secret_post']);
export type ClientAuthMethod = z.infer<typeof ClientAuthMethod>;

export const ProviderEntry = z
  .strictObject({
    slug: z.string().check(z.regex(/^[a-z0-9-]+$/)),
    name: z.string().check(z.minLength(1)),
    /** Served by the local runtime only (`npm start`): refused outside local mode, never deployed. */
    localOnly: z._default(z.boolean(), false),
    /** OIDC providers get an ID token validated against this issuer (when `openid` is requested). */
    issuer: z.optional(Url),
    authorizationUrl: Url,
    tokenUrl: Url,
    /** RFC 7009 revocation endpoint; absent when the provider has none (or only a non-standard one). */
    revocation: z.optional(
      z.strictObject({
        url: Url,
        /** Body format: RFC 7009 form, or JSON (QuickBooks, Notion). */
        format: BodyFormat,
        /**
         * Which token to send: `refresh_token` (the whole grant where it exists, then the access
         * token), `access_token` only, or `each`: the access token, then the refresh token, each
         * revoked on its own (Slack: revoking one leaves the other valid).
         */
        prefer: z._default(RevocationTokens, 'refresh_token'),
      }),
    ),
    /** Headers every call to the provider carries: token, revocation, post-connect and proxied calls (Notion `Notion-Version`, GitHub `User-Agent`). On a proxied call the caller's own value wins. */
    headers: Headers,
    /** Extra token-request fields, per grant (Shopify `expiring=1` for expiring offline tokens). */
    tokenParams: PerGrant(Fields),
    scopeSeparator: z._default(z.enum([' ', ',']), ' '),
    /** The authorization parameter carrying scopes (Slack's user tokens use `user_scope`). */
    scopeParam: z._default(z.string(), 'scope'),
    defaultScopes: Strings,
    authorizationParams: z._default(z.record(z.string(), z.string()), {}),
    clientAuth: ClientAuthMethod,
    /** Token request body encoding: RFC 6749 form, or JSON (Notion, Atlassian). */
    tokenRequestFormat: BodyFormat,
    pkce: z.boolean(),
    refresh: z.boolean(),
    /** Integration parameters the URLs need, e.g. `tenant`, `shop`. */
    params: z._default(z.array(Placeholder), []),
    tokenResponse: z._default(
      z.strictObject({
        /**
         * Dotted path of the object holding the tokens, per grant; absent: the top level. Slack v2
         * user tokens are under `authed_user` at the code exchange, at the top level on refresh.
         */
        path: PerGrant(z.string().check(z.minLength(1))),
        /** Top-level token-response fields kept as metadata (dotted paths allowed). */
        metadata: Strings,
        /** Refresh errors that mean the grant is gone, counted like invalid_grant (GitHub `bad_refresh_token`). */
        reauthErrors: Strings,
      }),
      { path: {}, metadata: [], reauthErrors: [] },
    ),
    /**
     * A GET with the new access token right after the code exchange, answering a JSON list; one
     * item gives per-connection values (metadata key -> dotted path in the item): the Xero
     * tenant from `/connections`, the Atlassian cloud id from accessible-resources. The item is
     * the one whose `match.field` equals the access token's (a JWT) `match.claim`, else the first.
     */
    postConnect: z.optional(
      z.strictObject({
        url: Url,
        match: z.optional(z.strictObject({ field: z.string(), claim: z.string() })),
        metadata: z.record(Placeholder, z.string()),
      }),
    ),
    /**
     * Named environments an integration may choose (`environment`), each replacing some URLs:
     * Salesforce and QuickBooks sandboxes. Without `environment` the entry's own URLs apply.
     */
    environments: z._default(
      z.record(
        z.string().check(z.regex(/^[a-z0-9-]+$/)),
        z.strictObject({
          authorizationUrl: z.optional(Url),
          tokenUrl: z.optional(Url),
          revocationUrl: z.optional(Url),
          apiBaseUrl: z.optional(ApiBaseUrl),
          allowedHosts: z.optional(z.array(z.string())),
        }),
      ),
      {},
    ),
    /** Callback query parameters kept as metadata (QuickBooks `realmId`, Shopify `shop`). */
    redirectMetadata: Strings,
    api: z.strictObject({
      baseUrl: ApiBaseUrl,
      authScheme: z.enum(['bearer', 'header']),
      /** Header name when authScheme is `header` (Shopify `X-Shopify-Access-Token`). */
      headerName: z.optional(z.string()),
      allowedHosts: z.array(z.string().check(z.regex(/^(\*\.)?[a-z0-9.{}_-]+$/))).check(z.minLength(1)),
      /** Headers the proxy adds unless the caller sent them, `{placeholders}` filled from the connection's metadata (Xero `xero-tenant-id`); left out while a value is missing. */
      headers: Headers,
      /** Caller headers this API needs forwarded beyond the common list (headers.ts), lower case. */
      forwardHeaders: Strings,
      /** More API bases by name (Dropbox `content`), chosen per call with `X-Hookbridge-Api-Base: <name>`. */
      bases: z._default(z.record(z.string().check(z.regex(/^[a-z0-9-]+$/)), ApiBaseUrl), {}),
    }),
    /** Refresh when the token expires within this many seconds. */
    expiryMarginSeconds: z._default(z.number().check(z.int(), z.gte(0), z.lte(3600)), 300),
  })
  .check(
    z.refine(
      (e: { localOnly: boolean }) => e.localOnly || !JSON.stringify(e).includes(`{${DEV_ISSUER}}`),
      `only a localOnly entry may use {${DEV_ISSUER}}`,
    ),
  );

export type ProviderEntry = z.infer<typeof ProviderEntry>;
type ProviderInput = z.input<typeof ProviderEntry>;
export type TokenResponseRule = ProviderEntry['tokenResponse'];
export type RevocationRule = NonNullable<ProviderEntry['revocation']>;

/** GitHub's API refuses calls without a User-Agent; it asks for the app's name. */
export const GITHUB_USER_AGENT = 'Hookbridge';
/** The Notion API version sent when the caller names none (the last before data sources). */
export const NOTION_VERSION = '2022-06-28';

const RAW_CATALOG: ProviderInput[] = [
  {
    // The real OpenID provider (oidc-provider) `npm start` serves at /dev-oauth: infra/local/dev-oauth.ts.
    slug: DEV_PROVIDER,
    name: 'Dev OAuth (local runtime)',
    localOnly: true,
    issuer: `{${DEV_ISSUER}}`,
    authorizationUrl: `{${DEV_ISSUER}}/auth`,
    tokenUrl: `{${DEV_ISSUER}}/token`,
    revocation: { url: `{${DEV_ISSUER}}/token/revocation` },
    defaultScopes: ['openid', 'offline_access', 'profile'],
    authorizationParams: { prompt: 'consent' },
    clientAuth: 'client_secret_basic',
    pkce: true,
    refresh: true,
    api: { baseUrl: `{${DEV_ISSUER}}`, authScheme: 'bearer', allowedHosts: ['127.0.0.1'] },
  },
  {
    slug: 'google',
    name: 'Google',
    issuer: 'https://accounts.google.com',
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    revocation: { url: 'https://oauth2.googleapis.com/revoke' },
    authorizationParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    clientAuth: 'client_secret_post',
    pkce: true,
    refresh: true,
    api: { baseUrl: 'https://www.googleapis.com', authScheme: 'bearer', allowedHosts: ['*.googleapis.com'] },
  },
  {
    slug: 'microsoft',
    name: 'Microsoft Entra ID',
    authorizationUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
    tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
    defaultScopes: ['offline_access'],
    authorizationParams: { response_mode: 'query' },
    clientAuth: 'client_secret_post',
    pkce: true,
    refresh: true,
    params: ['tenant'],
    api: {
      baseUrl: 'https://graph.microsoft.com',
      authScheme: 'bearer',
      allowedHosts: ['graph.microsoft.com'],
      // Advanced queries ($count, $search, ne/not) need `ConsistencyLevel: eventual`.
      forwardHeaders: ['consistencylevel'],
    },
  },
  {
    slug: 'github',
    name: 'GitHub (OAuth App)',
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    clientAuth: 'client_secret_post',
    pkce: true,
    refresh: false,
    authorizationParams: { allow_signup: 'true' },
    // The REST API refuses requests without a User-Agent.
    headers: { 'user-agent': GITHUB_USER_AGENT },
    api: { baseUrl: 'https://api.github.com', authScheme: 'bearer', allowedHosts: ['api.github.com'] },
  },
  {
    slug: 'github-app',
    name: 'GitHub App (user access tokens that expire)',
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    clientAuth: 'client_secret_post',
    pkce: true,
    refresh: true,
    headers: { 'user-agent': GITHUB_USER_AGENT },
    // A spent or expired refresh token is HTTP 200 {"error":"bad_refresh_token"}.
    tokenResponse: { metadata: ['refresh_token_expires_in'], reauthErrors: ['bad_refresh_token'] },
    api: { baseUrl: 'https://api.github.com', authScheme: 'bearer', allowedHosts: ['api.github.com'] },
  },
  {
    slug: 'slack',
    name: 'Slack (v2, user token)',
    authorizationUrl: 'https://slack.com/oauth/v2/authorize',
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    // With token rotation, revoking the access token leaves the refresh token valid: revoke each.
    revocation: { url: 'https://slack.com/api/auth.revoke', prefer: 'each' },
    scopeSeparator: ',',
    scopeParam: 'user_scope',
    clientAuth: 'client_secret_post',
    pkce: false,
    refresh: true,
    tokenResponse: {
      // The code exchange nests the user token under authed_user; a rotation refresh answers at the top level.
      path: { authorization_code: 'authed_user' },
      metadata: ['team.id', 'team.name', 'authed_user.id', 'app_id', 'enterprise.id'],
      reauthErrors: ['invalid_refresh_token'],
    },
    api: { baseUrl: 'https://slack.com/api', authScheme: 'bearer', allowedHosts: ['slack.com'] },
  },
  {
    slug: 'salesforce',
    name: 'Salesforce',
    authorizationUrl: 'https://login.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    revocation: { url: 'https://login.salesforce.com/services/oauth2/revoke' },
    defaultScopes: ['api', 'refresh_token'],
    clientAuth: 'client_secret_post',
    pkce: true,
    refresh: true,
    tokenResponse: { metadata: ['instance_url', 'id'] },
    environments: {
      sandbox: {
        authorizationUrl: 'https://test.salesforce.com/services/oauth2/authorize',
        tokenUrl: 'https://test.salesforce.com/services/oauth2/token',
        revocationUrl: 'https://test.salesforce.com/services/oauth2/revoke',
      },
    },
    api: {
      baseUrl: '{instance_url}',
      authScheme: 'bearer',
      allowedHosts: ['*.salesforce.com', '*.force.com'],
    },
  },
  {
    slug: 'hubspot',
    name: 'HubSpot',
    authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
    tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
    clientAuth: 'client_secret_post',
    pkce: false,
    refresh: true,
    // A dead refresh token is 400 {"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token"}.
    tokenResponse: { metadata: ['hub_id'], reauthErrors: ['BAD_REFRESH_TOKEN'] },
    api: { baseUrl: 'https://api.hubapi.com', authScheme: 'bearer', allowedHosts: ['api.hubapi.com'] },
  },
  {
    slug: 'notion',
    name: 'Notion',
    authorizationUrl: 'https://api.notion.com/v1/oauth/authorize',
    tokenUrl: 'https://api.notion.com/v1/oauth/token',
    revocation: { url: 'https://api.notion.com/v1/oauth/revoke', format: 'json', prefer: 'access_token' },
    authorizationParams: { owner: 'user' },
    clientAuth: 'client_secret_basic',
    tokenRequestFormat: 'json',
    pkce: false,
    refresh: true,
    // Required on every request, the token and revocation endpoints included; a proxied call may send its own.
    headers: { 'notion-version': NOTION_VERSION },
    tokenResponse: { metadata: ['workspace_id', 'workspace_name', 'bot_id'] },
    api: { baseUrl: 'https://api.notion.com', authScheme: 'bearer', allowedHosts: ['api.notion.com'] },
  },
  {
    slug: 'shopify',
    name: 'Shopify',
    authorizationUrl: 'https://{shop}.myshopify.com/admin/oauth/authorize',
    tokenUrl: 'https://{shop}.myshopify.com/admin/oauth/access_token',
    scopeSeparator: ',',
    clientAuth: 'client_secret_post',
    pkce: false,
    // Expiring offline tokens (1 h, rotating refresh token): required for public apps.
    refresh: true,
    tokenParams: { authorization_code: { expiring: '1' } },
    tokenResponse: { metadata: ['refresh_token_expires_in'] },
    params: ['shop'],
    redirectMetadata: ['shop'],
    api: {
      baseUrl: 'https://{shop}.myshopify.com/admin/api',
      authScheme: 'header',
      headerName: 'X-Shopify-Access-Token',
      allowedHosts: ['*.myshopify.com'],
    },
  },
  {
    slug: 'stripe',
    name: 'Stripe Connect',
    authorizationUrl: 'https://connect.stripe.com/oauth/authorize',
    tokenUrl: 'https://connect.stripe.com/oauth/token',
    defaultScopes: ['read_write'],
    clientAuth: 'client_secret_post',
    pkce: false,
    refresh: true,
    tokenResponse: { metadata: ['stripe_user_id', 'stripe_publishable_key', 'livemode'] },
    api: { baseUrl: 'https://api.stripe.com', authScheme: 'bearer', allowedHosts: ['api.stripe.com'] },
  },
  {
    slug: 'quickbooks',
    name: 'QuickBooks Online',
    authorizationUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    revocation: { url: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke', format: 'json' },
    defaultScopes: ['com.intuit.quickbooks.accounting'],
    clientAuth: 'client_secret_basic',
    pkce: false,
    refresh: true,
    redirectMetadata: ['realmId'],
    tokenResponse: { metadata: ['x_refresh_token_expires_in'] },
    environments: {
      sandbox: {
        apiBaseUrl: 'https://sandbox-quickbooks.api.intuit.com',
        allowedHosts: ['sandbox-quickbooks.api.intuit.com'],
      },
    },
    api: {
      baseUrl: 'https://quickbooks.api.intuit.com',
      authScheme: 'bearer',
      allowedHosts: ['quickbooks.api.intuit.com'],
    },
  },
  {
    slug: 'atlassian',
    name: 'Atlassian (Jira, Confluence)',
    authorizationUrl: 'https://auth.atlassian.com/authorize',
    tokenUrl: 'https://auth.atlassian.com/oauth/token',
    defaultScopes: ['offline_access'],
    authorizationParams: { audience: 'api.atlassian.com', prompt: 'consent' },
    clientAuth: 'client_secret_post',
    tokenRequestFormat: 'json',
    pkce: false,
    refresh: true,
    // The site (cloud id) the user granted: Jira and Confluence calls go to /ex/{product}/{cloud_id}.
    postConnect: {
      url: 'https://api.atlassian.com/oauth/token/accessible-resources',
      metadata: { cloud_id: 'id', site_url: 'url' },
    },
    api: {
      baseUrl: 'https://api.atlassian.com',
      authScheme: 'bearer',
      allowedHosts: ['api.atlassian.com'],
      bases: {
        jira: 'https://api.atlassian.com/ex/jira/{cloud_id}',
        confluence: 'https://api.atlassian.com/ex/confluence/{cloud_id}',
      },
    },
  },
  {
    slug: 'linear',
    name: 'Linear',
    authorizationUrl: 'https://linear.app/oauth/authorize',
    tokenUrl: 'https://api.linear.app/oauth/token',
    revocation: { url: 'https://api.linear.app/oauth/revoke', prefer: 'access_token' },
    scopeSeparator: ',',
    defaultScopes: ['read'],
    authorizationParams: { prompt: 'consent' },
    clientAuth: 'client_secret_post',
    pkce: true,
    refresh: true,
    api: { baseUrl: 'https://api.linear.app', authScheme: 'bearer', allowedHosts: ['api.linear.app'] },
  },
  {
    slug: 'dropbox',
    name: 'Dropbox',
    authorizationUrl: 'https://www.dropbox.com/oauth2/authorize',
    tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
    authorizationParams: { token_access_type: 'offline' },
    clientAuth: 'client_secret_basic',
    pkce: true,
    refresh: true,
    tokenResponse: { metadata: ['account_id', 'team_id'] },
    api: {
      baseUrl: 'https://api.dropboxapi.com',
      authScheme: 'bearer',
      allowedHosts: ['api.dropboxapi.com', 'content.dropboxapi.com'],
      // Uploads and downloads: the arguments travel in Dropbox-API-Arg.
      bases: { content: 'https://content.dropboxapi.com' },
      forwardHeaders: [
        'dropbox-api-arg',
        'dropbox-api-select-user',
        'dropbox-api-select-admin',
        'dropbox-api-path-root',
      ],
    },
  },
  {
    slug: 'zoom',
    name: 'Zoom',
    authorizationUrl: 'https://zoom.us/oauth/authorize',
    tokenUrl: 'https://zoom.us/oauth/token',
    revocation: { url: 'https://zoom.us/oauth/revoke', prefer: 'access_token' },
    clientAuth: 'client_secret_basic',
    pkce: true,
    refresh: true,
    api: { baseUrl: 'https://api.zoom.us/v2', authScheme: 'bearer', allowedHosts: ['api.zoom.us'] },
  },
  {
    slug: 'xero',
    name: 'Xero',
    issuer: 'https://identity.xero.com',
    authorizationUrl: 'https://login.xero.com/identity/connect/authorize',
    tokenUrl: 'https://identity.xero.com/connect/token',
    revocation: { url: 'https://identity.xero.com/connect/revocation' },
    defaultScopes: ['offline_access'],
    clientAuth: 'client_secret_basic',
    pkce: true,
    refresh: true,
    // The organisation (tenant) this sign-in connected (its authEventId is the access token's
    // authentication_event_id); every Accounting API call names it in xero-tenant-id.
    postConnect: {
      url: 'https://api.xero.com/connections',
      match: { field: 'authEventId', claim: 'authentication_event_id' },
      metadata: { tenant_id: 'tenantId', tenant_name: 'tenantName' },
    },
    api: {
      baseUrl: 'https://api.xero.com',
      authScheme: 'bearer',
      allowedHosts: ['api.xero.com'],
      headers: { 'xero-tenant-id': '{tenant_id}' },
      // A caller with several tenants names the one it means.
      forwardHeaders: ['xero-tenant-id'],
    },
  },
];

/** The validated catalog; a malformed entry fails at import, and the catalog test names it. */
export const PROVIDERS: ReadonlyMap<string, ProviderEntry> = new Map(
  RAW_CATALOG.map((raw) => {
    const entry = ProviderEntry.parse(raw);
    return [entry.slug, entry];
  }),
);

export const getProvider = (slug: string): ProviderEntry | undefined => PROVIDERS.get(slug);

/** Why provider "dev" cannot be used here (a 409 at call time; PUT refuses it with the same words). */
export const DEV_NOT_RUNNING =
  'Provider "dev" is the local runtime\'s dev OpenID provider (npm start); it is not running here: outside local mode it does not exist, and in local mode see the npm start banner';

/** The values an entry's placeholders are filled from: `params`, plus the dev issuer for a local-only entry. */
export function placeholderValues(
  entry: ProviderEntry,
  params: Record<string, unknown>,
  devIssuer: string | undefined,
): Record<string, unknown> {
  if (!entry.localOnly) return params;
  if (!devIssuer) throw new HookbridgeError('conflict', DEV_NOT_RUNNING);
  return { ...params, [DEV_ISSUER]: devIssuer };
}

/** `{name}` placeholders in a template. */
export const placeholdersOf = (template: string): string[] =>
  [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);

/**
 * Fills `{name}` placeholders; a value is URL-escaped unless it is itself a URL (Salesforce
 * `instance_url`), or the dev issuer (plain http on loopback, from config: placeholderValues sets it).
 */
export function fillPlaceholders(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new Error(`missing value for placeholder {${name}}`);
    return name === DEV_ISSUER || /^https:\/\//.test(v) ? v.replace(/\/+$/, '') : encodeURIComponent(v);
  });
}

/**
 * A Shopify shop as the bare subdomain: Shopify's redirect says `mystore.myshopify.com`, an
 * integration may say `mystore` or the full host. Undefined when it is not a shop name.
 */
export function normaliseShop(value: string): string | undefined {
  const v = value
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .replace(/\.myshopify\.com$/, '');
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(v) ? v : undefined;
}

/** A redirect (or integration) value in the form the catalog compares and stores it. */
export function normaliseRedirectValue(slug: string, key: string, value: string): string | undefined {
  if (slug === 'shopify' && key === 'shop') return normaliseShop(value);
  return value;
}

/**
 * The entry an integration uses: the catalog entry with its chosen environment's URLs (a
 * Salesforce or QuickBooks sandbox) in place. Undefined for an unknown slug or environment.
 */
export function catalogEntry(config: { provider: string; environment?: string | undefined }) {
  const entry = getProvider(config.provider);
  if (!entry || config.environment === undefined) return entry;
  const env = entry.environments[config.environment];
  if (!env) return undefined;
  return {
    ...entry,
    authorizationUrl: env.authorizationUrl ?? entry.authorizationUrl,
    tokenUrl: env.tokenUrl ?? entry.tokenUrl,
    revocation:
      entry.revocation && env.revocationUrl
        ? { ...entry.revocation, url: env.revocationUrl }
        : entry.revocation,
    api: {
      ...entry.api,
      baseUrl: env.apiBaseUrl ?? entry.api.baseUrl,
      allowedHosts: env.allowedHosts ?? entry.api.allowedHosts,
    },
  } satisfies ProviderEntry;
}

/** Why an integration's `environment` is refused, or undefined (PUT /integrations answers 400 with it). */
export function environmentProblem(
  entry: ProviderEntry,
  environment: string | undefined,
): string | undefined {
  if (environment === undefined || entry.environments[environment]) return undefined;
  const names = Object.keys(entry.environments);
  return names.length
    ? `Provider "${entry.slug}" has no environment "${environment}" (it has: ${names.join(', ')})`
    : `Provider "${entry.slug}" has no environments`;
}

/** The dotted path's value: `0.tenantId` is the first item's tenantId. */
export const valueAt = (obj: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );

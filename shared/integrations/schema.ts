import * as z from 'zod/mini';
import { blockedAddressReason, parseIPv4Literal } from '../outbound/ssrf.js';
import { hostOf, isLoopbackHttp } from '../outbound/url.js';
import '../zod-locale.js';

/**
 * An integration is one configured way to reach a third party. The `type` decides how
 * credentials are obtained: an end user's OAuth grant (`oauth`, owned by connections), a static
 * API key (`api-key`) or the client-credentials grant (`client-credentials`), both used by the
 * proxy. Client secrets never live here: `hookbridge/oauth/{id}` holds `{clientId, clientSecret}`
 * and API keys live in Secrets Manager too.
 */

/** Browser targets (return URLs): https, or plain http on a loopback host for a local app. */
const HttpsOrLocalUrl = z.url({ protocol: /^https?$/ }).check(
  z.refine((u: string) => u.startsWith('https://') || isLoopbackHttp(u), {
    message: 'must be https (http only for 127.0.0.1 / localhost)',
  }),
);

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || blockedAddressReason(host) === 'loopback';

/**
 * Why a URL Hookbridge itself will call (token, revocation, issuer, API base) is refused, or
 * undefined. https only, and never an IP literal that is not public (10.0.0.1, 169.254.169.254,
 * every spelling); outside local mode loopback names are refused too. Names that resolve to
 * private addresses are refused at call time by the SSRF guard (shared/outbound/ssrf.ts).
 */
export function serverUrlProblem(raw: string, local: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'must be a URL';
  }
  const host = hostOf(u);
  if (local && isLoopbackHost(host)) return undefined; // local development and tests
  if (u.protocol !== 'https:') return 'must be https (plain http only for loopback in local mode)';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not be a loopback host';
  const literal = host.includes(':') || parseIPv4Literal(host) !== undefined;
  const why = literal ? blockedAddressReason(host) : undefined;
  if (why) return `must not point at a non-public address (${why})`;
  return undefined;
}

/** Return URLs are compared by origin + path prefix; query strings are the app's own business. */
const ReturnUrl = HttpsOrLocalUrl.check(z.maxLength(2000));

const Scopes = z
  .array(z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[^\s]+$/, 'a scope has no spaces')))
  .check(z.maxLength(100));

const Host = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(253),
    z.regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name, optionally *.-prefixed'),
  );

const Provider = z.string().check(z.regex(/^[a-z0-9-]+$/));
const ClientAuth = z._default(z.enum(['client_secret_basic', 'client_secret_post']), 'client_secret_basic');

const OAuthBase = {
  type: z.literal('oauth'),
  scopes: z._default(Scopes, []),
  allowedReturnUrls: z.array(ReturnUrl).check(z.minLength(1), z.maxLength(50)),
  /** Values for the catalog's placeholders, e.g. `{tenant}` (Microsoft) or `{shop}` (Shopify). */
  params: z._default(
    z.record(
      z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)),
      z.string().check(z.minLength(1), z.maxLength(200)),
    ),
    {},
  ),
  /** Extra authorization parameters for this integration (never `state`, `nonce`, PKCE or `redirect_uri`). */
  authorizationParams: z._default(z.record(z.string(), z.string().check(z.maxLength(500))), {}),
};

const AuthScheme = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer') }),
  z.strictObject({ type: z.literal('basic') }),
  z.strictObject({ type: z.literal('header'), name: z.string().check(z.minLength(1), z.maxLength(100)) }),
]);

/**
 * The body of `PUT /integrations/{id}`: a union discriminated by `type` (then by `provider` within
 * oauth). Local mode (from the function's configuration, never from a request) lets loopback and
 * http server URLs through, and `provider: "dev"` when the local runtime's dev OpenID provider runs;
 * the container builds the schema once per cold start.
 */
export function integrationConfigSchema(local: boolean, devOAuthRunning = false) {
  /** A URL Hookbridge calls server-side: see serverUrlProblem. */
  const ServerUrl = z.url({ protocol: /^https?$/ }).check(
    z.superRefine((u: string, ctx) => {
      const problem = serverUrlProblem(u, local);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );

  const OAuthCatalogIntegration = z.strictObject({
    ...OAuthBase,
    /** One of the catalog entry's environments (Salesforce, QuickBooks: `sandbox`); absent: production. */
    environment: z.optional(
      z
        .string()
        .check(
          z.regex(/^[a-z0-9-]{1,40}$/),
          z.describe(
            "The provider's environment, e.g. `sandbox` (Salesforce, QuickBooks); absent: production",
          ),
        ),
    ),
    provider: Provider.check(
      z.refine((p: string) => p !== 'oidc' && p !== 'oauth2', 'generic providers need their own fields'),
      z.refine((p: string) => p !== 'dev' || (local && devOAuthRunning), {
        message: local
          ? "the local runtime's dev OpenID provider is not running (oidc-provider failed to load: see the npm start banner)"
          : '"dev" is the local runtime\'s dev OpenID provider (npm start): it is refused outside local mode',
      }),
    ),
  });

  const OAuthOidcIntegration = z.strictObject({
    ...OAuthBase,
    provider: z.literal('oidc'),
    issuer: ServerUrl,
  });

  const OAuthGenericIntegration = z.strictObject({
    ...OAuthBase,
    provider: z.literal('oauth2'),
    authorizationUrl: HttpsOrLocalUrl,
    tokenUrl: ServerUrl,
    revocationUrl: z.optional(ServerUrl),
    clientAuth: ClientAuth,
    scopeSeparator: z._default(z.enum([' ', ',']), ' '),
    pkce: z._default(z.boolean(), true),
    api: z.optional(
      z.object({
        baseUrl: ServerUrl,
        allowedHosts: z.array(Host).check(z.minLength(1), z.maxLength(20)),
      }),
    ),
  });

  const ApiKeyIntegration = z
    .strictObject({
      type: z.literal('api-key'),
      provider: z.optional(Provider),
      baseUrl: z.optional(ServerUrl),
      allowedHosts: z._default(z.array(Host).check(z.maxLength(20)), []),
      scheme: z._default(AuthScheme, { type: 'bearer' }),
    })
    .check(
      z.refine(
        (v: { provider?: string; baseUrl?: string }) => v.provider !== undefined || v.baseUrl !== undefined,
        {
          message: 'give a catalog provider or a baseUrl',
        },
      ),
    );

  const ClientCredentialsIntegration = z.strictObject({
    type: z.literal('client-credentials'),
    tokenUrl: ServerUrl,
    scopes: z._default(Scopes, []),
    audience: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
    baseUrl: ServerUrl,
    allowedHosts: z.array(Host).check(z.minLength(1), z.maxLength(20)),
    clientAuth: ClientAuth,
  });

  const OAuthIntegration = z.union([OAuthOidcIntegration, OAuthGenericIntegration, OAuthCatalogIntegration]);
  return {
    config: z.union([OAuthIntegration, ApiKeyIntegration, ClientCredentialsIntegration]),
    oauth: OAuthIntegration,
    apiKey: ApiKeyIntegration,
    clientCredentials: ClientCredentialsIntegration,
  };
}

const schemas = integrationConfigSchema(false);
/** The documented body (the OpenAPI document describes the deployed, non-local service). */
export const IntegrationConfig = schemas.config.register(z.globalRegistry, { id: 'IntegrationConfig' });

export type IntegrationConfig = z.infer<typeof IntegrationConfig>;
export type OAuthIntegrationConfig = z.infer<typeof schemas.oauth>;
export type ApiKeyIntegrationConfig = z.infer<typeof schemas.apiKey>;
export type ClientCredentialsIntegrationConfig = z.infer<typeof schemas.clientCredentials>;

export interface IntegrationRecord {
  id: string;
  config: IntegrationConfig;
  createdAt: string;
  updatedAt: string;
}

export const IntegrationView = z
  .object({
    id: z.string(),
    config: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    secretName: z.string().check(z.describe('Secrets Manager name holding this integration’s credentials')),
  })
  .register(z.globalRegistry, { id: 'Integration' });

export const IntegrationList = z
  .object({ items: z.array(IntegrationView) })
  .register(z.globalRegistry, { id: 'IntegrationList' });

export const isOAuth = (c: IntegrationConfig): c is OAuthIntegrationConfig => c.type === 'oauth';

/** The secret holding an integration's credentials. */
export { oauthSecretName as integrationSecretName } from '../secret-names.js';

import * as z from 'zod';
import { blockedAddressReason, parseIPv4Literal } from '../proxy/ssrf.js';

/**
 * An integration is one configured way to reach a third party. The `type` decides how
 * credentials are obtained: an end user's OAuth grant (`oauth`, owned by connections), a static
 * API key (`api-key`) or the client-credentials grant (`client-credentials`), both used by the
 * proxy. Client secrets never live here: `hookbridge/oauth/{id}` holds `{clientId, clientSecret}`
 * and API keys live in Secrets Manager too.
 */

const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

/** Browser targets (return URLs): https, or plain http on a loopback host for a local app. */
const HttpsOrLocalUrl = z
  .url({ protocol: /^https?$/ })
  .refine((u) => u.startsWith('https://') || LOOPBACK_HTTP.test(u), {
    message: 'must be https (http only for 127.0.0.1 / localhost)',
  });

/** Local mode comes from the function's configuration (HOOKBRIDGE_LOCAL), never from a request. */
export const isLocalMode = (): boolean => ['true', '1'].includes(process.env.HOOKBRIDGE_LOCAL ?? '');

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || blockedAddressReason(host.replace(/^\[|\]$/g, '')) === 'loopback';

/**
 * Why a URL Hookbridge itself will call (token, revocation, issuer, API base) is refused, or
 * undefined. https only, and never an IP literal that is not public (10.0.0.1, 169.254.169.254,
 * every spelling); outside local mode loopback names are refused too. Names that resolve to
 * private addresses are refused at call time by the SSRF guard (shared/proxy/ssrf.ts).
 */
export function serverUrlProblem(raw: string, local = isLocalMode()): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'must be a URL';
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (local && isLoopbackHost(host)) return undefined; // local development and tests
  if (u.protocol !== 'https:') return 'must be https (plain http only for loopback in local mode)';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not be a loopback host';
  const literal = host.includes(':') || parseIPv4Literal(host) !== undefined;
  const why = literal ? blockedAddressReason(host) : undefined;
  if (why) return `must not point at a non-public address (${why})`;
  return undefined;
}

/** A URL Hookbridge calls server-side: see serverUrlProblem. */
const ServerUrl = z.url({ protocol: /^https?$/ }).superRefine((u, ctx) => {
  const problem = serverUrlProblem(u);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Return URLs are compared by origin + path prefix; query strings are the app's own business. */
const ReturnUrl = HttpsOrLocalUrl.max(2000);

const Scopes = z
  .array(
    z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^\s]+$/, 'a scope has no spaces'),
  )
  .max(100);

const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name, optionally *.-prefixed');

const OAuthBase = {
  type: z.literal('oauth'),
  scopes: Scopes.default([]),
  allowedReturnUrls: z.array(ReturnUrl).min(1).max(50),
  /** Values for the catalog's placeholders, e.g. `{tenant}` (Microsoft) or `{shop}` (Shopify). */
  params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().min(1).max(200)).default({}),
  /** Extra authorization parameters for this integration (never `state`, `nonce`, PKCE or `redirect_uri`). */
  authorizationParams: z.record(z.string(), z.string().max(500)).default({}),
};

export const OAuthCatalogIntegration = z
  .object({
    ...OAuthBase,
    provider: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .refine((p) => p !== 'oidc' && p !== 'oauth2', 'generic providers need their own fields'),
  })
  .strict();

export const OAuthOidcIntegration = z
  .object({ ...OAuthBase, provider: z.literal('oidc'), issuer: ServerUrl })
  .strict();

export const OAuthGenericIntegration = z
  .object({
    ...OAuthBase,
    provider: z.literal('oauth2'),
    authorizationUrl: HttpsOrLocalUrl,
    tokenUrl: ServerUrl,
    revocationUrl: ServerUrl.optional(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    scopeSeparator: z.enum([' ', ',']).default(' '),
    pkce: z.boolean().default(true),
    api: z
      .object({
        baseUrl: ServerUrl,
        allowedHosts: z.array(Host).min(1).max(20),
      })
      .optional(),
  })
  .strict();

const AuthScheme = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer') }).strict(),
  z.object({ type: z.literal('basic') }).strict(),
  z.object({ type: z.literal('header'), name: z.string().min(1).max(100) }).strict(),
]);

export const ApiKeyIntegration = z
  .object({
    type: z.literal('api-key'),
    provider: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional(),
    baseUrl: ServerUrl.optional(),
    allowedHosts: z.array(Host).max(20).default([]),
    scheme: AuthScheme.default({ type: 'bearer' }),
  })
  .strict()
  .refine((v) => v.provider !== undefined || v.baseUrl !== undefined, {
    message: 'give a catalog provider or a baseUrl',
  });

export const ClientCredentialsIntegration = z
  .object({
    type: z.literal('client-credentials'),
    tokenUrl: ServerUrl,
    scopes: Scopes.default([]),
    audience: z.string().min(1).max(500).optional(),
    baseUrl: ServerUrl,
    allowedHosts: z.array(Host).min(1).max(20),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  })
  .strict();

const OAuthIntegration = z.union([OAuthOidcIntegration, OAuthGenericIntegration, OAuthCatalogIntegration]);

/** The body of `PUT /integrations/{id}`: a union discriminated by `type` (then by `provider` within oauth). */
export const IntegrationConfig = z
  .union([OAuthIntegration, ApiKeyIntegration, ClientCredentialsIntegration])
  .meta({ id: 'IntegrationConfig' });

export type IntegrationConfig = z.infer<typeof IntegrationConfig>;
export type OAuthIntegrationConfig = z.infer<typeof OAuthIntegration>;
export type ApiKeyIntegrationConfig = z.infer<typeof ApiKeyIntegration>;
export type ClientCredentialsIntegrationConfig = z.infer<typeof ClientCredentialsIntegration>;

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
    secretName: z.string().describe('Secrets Manager name holding this integration’s credentials'),
  })
  .meta({ id: 'Integration' });

export const IntegrationList = z.object({ items: z.array(IntegrationView) }).meta({ id: 'IntegrationList' });

export const isOAuth = (c: IntegrationConfig): c is OAuthIntegrationConfig => c.type === 'oauth';

/** The secret holding an integration's credentials. */
export const integrationSecretName = (id: string): string => `hookbridge/oauth/${id}`;

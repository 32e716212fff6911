import * as z from 'zod';

/**
 * An integration is one configured way to reach a third party. The `type` decides how
 * credentials are obtained: an end user's OAuth grant (`oauth`, owned by connections), a static
 * API key (`api-key`) or the client-credentials grant (`client-credentials`), both used by the
 * proxy. Client secrets never live here: `hookbridge/oauth/{id}` holds `{clientId, clientSecret}`
 * and API keys live in Secrets Manager too.
 */

/** https everywhere; plain http only for loopback hosts (local development and tests). */
const HttpsOrLocalUrl = z
  .url({ protocol: /^https?$/ })
  .refine(
    (u) => u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u),
    {
      message: 'must be https (http only for 127.0.0.1 / localhost)',
    },
  );

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
  .object({ ...OAuthBase, provider: z.literal('oidc'), issuer: HttpsOrLocalUrl })
  .strict();

export const OAuthGenericIntegration = z
  .object({
    ...OAuthBase,
    provider: z.literal('oauth2'),
    authorizationUrl: HttpsOrLocalUrl,
    tokenUrl: HttpsOrLocalUrl,
    revocationUrl: HttpsOrLocalUrl.optional(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    scopeSeparator: z.enum([' ', ',']).default(' '),
    pkce: z.boolean().default(true),
    api: z
      .object({
        baseUrl: HttpsOrLocalUrl,
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
    baseUrl: HttpsOrLocalUrl.optional(),
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
    tokenUrl: HttpsOrLocalUrl,
    scopes: Scopes.default([]),
    audience: z.string().min(1).max(500).optional(),
    baseUrl: HttpsOrLocalUrl,
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

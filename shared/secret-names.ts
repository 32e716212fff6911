/**
 * Every Secrets Manager name Hookbridge reads, in one place: the code builds names from here and
 * infra/functions.ts grants from the same prefixes, so a grant cannot drift from what is read.
 * A prefix ends in `/`; infra grants a prefix as "every name below it".
 */

/** `{"apiKey": "…"}`: the bootstrap admin key. */
export const ADMIN_SECRET_NAME = 'hookbridge/admin';
/** `{"current": kid, "keys": {kid: base64}}`: the token-encryption keys. */
export const VAULT_SECRET_NAME = 'hookbridge/vault';
export const WEBHOOK_SECRETS_PREFIX = 'hookbridge/webhooks/';
export const OAUTH_SECRETS_PREFIX = 'hookbridge/oauth/';
export const API_KEY_SECRETS_PREFIX = 'hookbridge/apikeys/';

/** `{"secrets": ["current", "previous"], ...provider fields}` of a webhook source. */
export const webhookSecretName = (provider: string, sourceId?: string): string =>
  sourceId === undefined
    ? `${WEBHOOK_SECRETS_PREFIX}${provider}`
    : `${WEBHOOK_SECRETS_PREFIX}${provider}/${sourceId}`;

/** `{"clientId", "clientSecret"}` of an OAuth or client-credentials integration. */
export const oauthSecretName = (integrationId: string): string => `${OAUTH_SECRETS_PREFIX}${integrationId}`;

/**
 * `{"clientId", "clientSecret"}` of the local runtime's dev OpenID provider (a dev secret made on
 * the first `npm start`): every `provider: "dev"` integration uses it. No integration id has a `/`.
 */
export const DEV_OAUTH_CLIENT_SECRET_NAME = `${OAUTH_SECRETS_PREFIX}local/dev`;

/** Where an OAuth integration's client credentials are: its own secret, or the dev provider's. */
export const oauthClientSecretName = (integrationId: string, provider?: string): string =>
  provider === 'dev' ? DEV_OAUTH_CLIENT_SECRET_NAME : oauthSecretName(integrationId);

/** `{"apiKey"}` or `{"username", "password"}` of an API-key integration. */
export const apiKeySecretName = (integrationId: string): string =>
  `${API_KEY_SECRETS_PREFIX}${integrationId}`;

/** The secret an integration's credentials live in: its type (and an OAuth provider) decide; the proxy reads the same. */
export const integrationSecretNameFor = (
  integrationId: string,
  type: 'oauth' | 'api-key' | 'client-credentials',
  provider?: string,
): string =>
  type === 'api-key'
    ? apiKeySecretName(integrationId)
    : oauthClientSecretName(integrationId, type === 'oauth' ? provider : undefined);

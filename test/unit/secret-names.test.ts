import { describe, expect, it } from 'vitest';
import { secretGrantsFor } from '../../infra/functions.js';
import {
  ADMIN_SECRET_NAME,
  apiKeySecretName,
  DEV_OAUTH_CLIENT_SECRET_NAME,
  integrationSecretNameFor,
  oauthSecretName,
  VAULT_SECRET_NAME,
  webhookSecretName,
} from '../../shared/secret-names.js';

/** A grant ending in `/` covers every name below it; any other grant is one exact name. */
const granted = (fn: string, name: string) =>
  secretGrantsFor(fn).some((g) => (g.endsWith('/') ? name.startsWith(g) : name === g));

describe('secret names', () => {
  it('are the documented Secrets Manager names', () => {
    expect(webhookSecretName('stripe')).toBe('hookbridge/webhooks/stripe');
    expect(webhookSecretName('paypal', 'eu')).toBe('hookbridge/webhooks/paypal/eu');
    expect(oauthSecretName('google-prod')).toBe('hookbridge/oauth/google-prod');
    expect(apiKeySecretName('stripe-prod')).toBe('hookbridge/apikeys/stripe-prod');
    expect([ADMIN_SECRET_NAME, VAULT_SECRET_NAME]).toEqual(['hookbridge/admin', 'hookbridge/vault']);
    expect(integrationSecretNameFor('k', 'api-key')).toBe(apiKeySecretName('k'));
    expect(integrationSecretNameFor('cc', 'client-credentials')).toBe(oauthSecretName('cc'));
    expect(integrationSecretNameFor('g', 'oauth')).toBe(oauthSecretName('g'));
    // Every `provider: "dev"` integration uses the dev provider's one client; no integration id has a `/`.
    expect(integrationSecretNameFor('d', 'oauth', 'dev')).toBe('hookbridge/oauth/local/dev');
    expect(integrationSecretNameFor('d', 'oauth', 'google')).toBe(oauthSecretName('d'));
    expect(integrationSecretNameFor('d', 'client-credentials', 'dev')).toBe(oauthSecretName('d'));
  });

  it.each([
    ['webhooks-receive', [webhookSecretName('stripe'), webhookSecretName('paypal', 'eu')]],
    ['proxy', [apiKeySecretName('k'), oauthSecretName('cc'), VAULT_SECRET_NAME, ADMIN_SECRET_NAME]],
    ['oauth', [oauthSecretName('g'), DEV_OAUTH_CLIENT_SECRET_NAME, VAULT_SECRET_NAME]],
    ['connections-api', [oauthSecretName('g'), VAULT_SECRET_NAME, ADMIN_SECRET_NAME]],
    ['connections-refresher', [oauthSecretName('g'), DEV_OAUTH_CLIENT_SECRET_NAME, VAULT_SECRET_NAME]],
    ['api-keys', [ADMIN_SECRET_NAME]],
    ['reconcilers-api', [apiKeySecretName('stripe-events'), ADMIN_SECRET_NAME]],
    ['reconciler', [apiKeySecretName('stripe-events')]],
  ])('%s is granted every name it reads', (fn, names) => {
    for (const name of names) expect(granted(fn, name), name).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import {
  ADMIN_SECRET_NAME,
  DEV_OAUTH_CLIENT_SECRET_NAME,
  VAULT_SECRET_NAME,
  webhookSecretName,
} from '../../shared/secret-names.js';
import { newVaultSecret } from '../../shared/vault/vault.js';
import { LOCAL_PAYPAL_SECRET_NAME, makeLocalPayPalStandIn } from './paypal-standin.js';

/**
 * Dev secrets written to the local secrets file on first run (missing names only; existing
 * values are never overwritten). Each value is what Secrets Manager would hold under that name.
 */
export const DEV_SECRETS: Record<string, () => unknown> = {
  [ADMIN_SECRET_NAME]: () => ({ apiKey: `hb_dev_${randomBytes(24).toString('base64url')}` }),
  // Webhook sources (issue 3): {"secrets": [current, previous], ...provider fields}.
  [webhookSecretName('stripe')]: () => ({ secrets: [`whsec_${randomBytes(24).toString('hex')}`] }),
  [webhookSecretName('standard-webhooks')]: () => ({
    secrets: [`whsec_${randomBytes(24).toString('base64')}`],
  }),
  [webhookSecretName('github')]: () => ({ secrets: [randomBytes(20).toString('hex')] }),
  [webhookSecretName('shopify')]: () => ({ secrets: [randomBytes(32).toString('hex')] }),
  // No notificationUrl: Square's verifier then signs the URL called, whatever port npm start uses.
  [webhookSecretName('square')]: () => ({ secrets: [randomBytes(16).toString('base64url')] }),
  [webhookSecretName('paddle')]: () => ({ secrets: [`pdl_ntfset_${randomBytes(20).toString('hex')}`] }),
  [webhookSecretName('adyen')]: () => ({ secrets: [randomBytes(32).toString('hex').toUpperCase()] }),
  [webhookSecretName('razorpay')]: () => ({ secrets: [randomBytes(16).toString('base64url')] }),
  [webhookSecretName('lemonsqueezy')]: () => ({ secrets: [randomBytes(16).toString('hex')] }),
  [webhookSecretName('slack')]: () => ({ secrets: [randomBytes(16).toString('hex')] }),
  [webhookSecretName('twilio')]: () => ({ secrets: [randomBytes(16).toString('hex')] }),
  [webhookSecretName('braintree')]: () => ({
    secrets: [randomBytes(16).toString('hex')],
    publicKey: randomBytes(8).toString('hex'),
  }),
  // PayPal: the webhook id it signs for, and a dev CA + signing leaf that only the local runtime
  // trusts (HOOKBRIDGE_LOCAL_PAYPAL_ROOT_PEM, local mode only); send-webhook signs with the leaf's key.
  [webhookSecretName('paypal')]: () => ({
    secrets: [`WH-LOCAL-${randomBytes(8).toString('hex').toUpperCase()}`],
  }),
  [LOCAL_PAYPAL_SECRET_NAME]: makeLocalPayPalStandIn,
  [VAULT_SECRET_NAME]: () => newVaultSecret('dev1'),
  // The dev OpenID provider's one client (infra/local/dev-oauth.ts): every `provider: "dev"` integration uses it.
  [DEV_OAUTH_CLIENT_SECRET_NAME]: () => ({
    clientId: 'hookbridge-local',
    clientSecret: randomBytes(24).toString('base64url'),
  }),
};

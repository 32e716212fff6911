import { randomBytes } from 'node:crypto';
import { newVaultSecret } from '../../shared/vault/vault.js';

/**
 * Dev secrets written to the local secrets file on first run (missing names only; existing
 * values are never overwritten). Each value is what Secrets Manager would hold under that name.
 */
export const DEV_SECRETS: Record<string, () => unknown> = {
  'hookbridge/admin': () => ({ apiKey: `hb_dev_${randomBytes(24).toString('base64url')}` }),
  // Webhook sources (issue 3): {"secrets": [current, previous], ...provider fields}.
  'hookbridge/webhooks/stripe': () => ({ secrets: [`whsec_${randomBytes(24).toString('hex')}`] }),
  'hookbridge/webhooks/standard-webhooks': () => ({
    secrets: [`whsec_${randomBytes(24).toString('base64')}`],
  }),
  'hookbridge/webhooks/github': () => ({ secrets: [randomBytes(20).toString('hex')] }),
  'hookbridge/webhooks/shopify': () => ({ secrets: [randomBytes(32).toString('hex')] }),
  'hookbridge/webhooks/square': () => ({
    secrets: [randomBytes(16).toString('base64url')],
    notificationUrl: 'http://127.0.0.1:3000/webhooks/square',
  }),
  'hookbridge/webhooks/paddle': () => ({ secrets: [`pdl_ntfset_${randomBytes(20).toString('hex')}`] }),
  'hookbridge/webhooks/adyen': () => ({ secrets: [randomBytes(32).toString('hex').toUpperCase()] }),
  'hookbridge/webhooks/razorpay': () => ({ secrets: [randomBytes(16).toString('base64url')] }),
  'hookbridge/webhooks/lemonsqueezy': () => ({ secrets: [randomBytes(16).toString('hex')] }),
  'hookbridge/webhooks/slack': () => ({ secrets: [randomBytes(16).toString('hex')] }),
  'hookbridge/webhooks/twilio': () => ({ secrets: [randomBytes(16).toString('hex')] }),
  'hookbridge/webhooks/braintree': () => ({
    secrets: [randomBytes(16).toString('hex')],
    publicKey: randomBytes(8).toString('hex'),
  }),
  'hookbridge/vault': () => newVaultSecret('dev1'),
};

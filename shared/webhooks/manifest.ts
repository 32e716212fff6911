/**
 * Every webhook provider, one line each, in catalog order. A provider is its folder
 * providers/<slug>/: verify.ts (all the receive path loads), sign.ts (signer and sample event),
 * map.ts (payment mapper; absent when index.ts marks it rawOnly) and index.ts (the whole
 * definition). The catalog, the normaliser, the local signer, the stack's secret placeholders
 * and the docs table derive from this list through providers/*.gen.ts (`npm run providers`).
 */
export const WEBHOOK_PROVIDERS = [
  'stripe',
  'standard-webhooks',
  'github',
  'shopify',
  'square',
  'paddle',
  'adyen',
  'razorpay',
  'lemonsqueezy',
  'slack',
  'twilio',
  'braintree',
  'paypal',
] as const;

export type WebhookProviderSlug = (typeof WEBHOOK_PROVIDERS)[number];

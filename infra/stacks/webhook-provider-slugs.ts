/** Webhook provider slugs, as used in URLs and secret names. */
export const WEBHOOK_PROVIDER_SLUGS: readonly string[] = [
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
];

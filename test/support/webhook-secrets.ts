/** One secret value per webhook provider (with the settings some need), as `hookbridge/webhooks/<slug>` holds it. */
export const WEBHOOK_SECRETS: Record<string, { secrets: string[]; [k: string]: unknown }> = {
  stripe: { secrets: ['whsec_test_current_0123456789abcdef', 'whsec_test_previous_0123456789abcd'] },
  'standard-webhooks': { secrets: [`whsec_${Buffer.alloc(24, 3).toString('base64')}`] },
  github: { secrets: ['gh-secret-1'] },
  shopify: { secrets: ['shopify-secret-1'] },
  square: { secrets: ['square-key-1'], notificationUrl: 'https://hooks.example.com/webhooks/square' },
  paddle: { secrets: ['pdl_ntfset_test_1'] },
  adyen: { secrets: ['44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'] },
  razorpay: { secrets: ['rzp-secret-1'] },
  lemonsqueezy: { secrets: ['ls-secret-1'] },
  slack: { secrets: ['slack-signing-secret-1'] },
  twilio: { secrets: ['twilio-auth-token-1'] },
  braintree: { secrets: ['braintree-private-key-1'], publicKey: 'bt_pub_1' },
};

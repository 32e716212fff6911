/**
 * The provider catalog: slug -> scheme. Adding a provider is one import and one entry here
 * (verifiers may be async, e.g. PayPal's, which fetches a certificate).
 */
import { adyen } from './providers/adyen.js';
import { github, lemonsqueezy, razorpay, shopify } from './providers/body-hmac.js';
import { braintree, twilio } from './providers/form-signed.js';
import { paypal } from './providers/paypal.js';
import { standardWebhooks } from './providers/standard-webhooks.js';
import { stripe } from './providers/stripe.js';
import { paddle, slack, square } from './providers/timestamped.js';
import type { ProviderScheme } from './types.js';

export const PROVIDERS: Readonly<Record<string, ProviderScheme>> = Object.fromEntries(
  [
    stripe,
    standardWebhooks,
    github,
    shopify,
    square,
    paddle,
    adyen,
    razorpay,
    lemonsqueezy,
    slack,
    twilio,
    braintree,
    paypal,
  ].map((p) => [p.slug, p]),
);

/** URL aliases: the same scheme under another slug (secrets live under the canonical slug). */
export const PROVIDER_ALIASES: Readonly<Record<string, string>> = { svix: 'standard-webhooks' };

export function providerFor(slug: string): ProviderScheme | undefined {
  const canonical = PROVIDER_ALIASES[slug] ?? slug;
  return Object.hasOwn(PROVIDERS, canonical) ? PROVIDERS[canonical] : undefined;
}

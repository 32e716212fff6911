// Generated from shared/webhooks/manifest.ts by `npm run providers`; do not edit.
import type { ProviderDefinition } from '../types.js';
import { provider as adyen } from './adyen/index.js';
import { provider as braintree } from './braintree/index.js';
import { provider as github } from './github/index.js';
import { provider as lemonsqueezy } from './lemonsqueezy/index.js';
import { provider as paddle } from './paddle/index.js';
import { provider as paypal } from './paypal/index.js';
import { provider as razorpay } from './razorpay/index.js';
import { provider as shopify } from './shopify/index.js';
import { provider as slack } from './slack/index.js';
import { provider as square } from './square/index.js';
import { provider as standardWebhooks } from './standard-webhooks/index.js';
import { provider as stripe } from './stripe/index.js';
import { provider as twilio } from './twilio/index.js';

// biome-ignore format: generated
export const DEFINITIONS: readonly ProviderDefinition[] = [stripe, standardWebhooks, github, shopify, square, paddle, adyen, razorpay, lemonsqueezy, slack, twilio, braintree, paypal];

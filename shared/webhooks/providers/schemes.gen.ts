// Generated from shared/webhooks/manifest.ts by `npm run providers`; do not edit.
import type { ProviderScheme } from '../types.js';
import { scheme as adyen } from './adyen/verify.js';
import { scheme as braintree } from './braintree/verify.js';
import { scheme as github } from './github/verify.js';
import { scheme as lemonsqueezy } from './lemonsqueezy/verify.js';
import { scheme as paddle } from './paddle/verify.js';
import { scheme as paypal } from './paypal/verify.js';
import { scheme as razorpay } from './razorpay/verify.js';
import { scheme as shopify } from './shopify/verify.js';
import { scheme as slack } from './slack/verify.js';
import { scheme as square } from './square/verify.js';
import { scheme as standardWebhooks } from './standard-webhooks/verify.js';
import { scheme as stripe } from './stripe/verify.js';
import { scheme as twilio } from './twilio/verify.js';

// biome-ignore format: generated
export const SCHEMES: readonly ProviderScheme[] = [stripe, standardWebhooks, github, shopify, square, paddle, adyen, razorpay, lemonsqueezy, slack, twilio, braintree, paypal];

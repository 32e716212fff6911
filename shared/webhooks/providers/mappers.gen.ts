// Generated from shared/webhooks/manifest.ts by `npm run providers`; do not edit.
import type { Mapper } from '../../payments/mapping.js';
import { map as adyen } from './adyen/map.js';
import { map as braintree } from './braintree/map.js';
import { map as lemonsqueezy } from './lemonsqueezy/map.js';
import { map as paddle } from './paddle/map.js';
import { map as paypal } from './paypal/map.js';
import { map as razorpay } from './razorpay/map.js';
import { map as square } from './square/map.js';
import { map as stripe } from './stripe/map.js';

// biome-ignore format: generated
export const MAPPERS: Readonly<Record<string, Mapper>> = { stripe, square, paddle, adyen, razorpay, lemonsqueezy, braintree, paypal };

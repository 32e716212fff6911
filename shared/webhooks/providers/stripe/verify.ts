import { headerGetter, isoFromEpochSec, jsonEventVerifier } from '../../crypto.js';
import { matchTimestampedHeader } from '../../schemes/hmac.js';
import { defineScheme } from '../../types.js';

/** `Stripe-Signature: t=…,v1=…[,v1=…][,v0=…]`: what is signed is `${t}.${raw}`. */
export const STRIPE_HEADER = { sep: ',', tsKey: 't', sigKey: 'v1', joiner: '.' } as const;

/** HMAC-SHA256 hex of `${t}.${raw}`; the `whsec_` secret is used as is. */
export const verifyStripeSignature = jsonEventVerifier(
  (input) => matchTimestampedHeader(input, headerGetter(input.headers)('stripe-signature'), STRIPE_HEADER),
  { id: 'id', type: 'type', time: 'created', iso: isoFromEpochSec },
);

export const scheme = defineScheme('stripe', 'Stripe', verifyStripeSignature);

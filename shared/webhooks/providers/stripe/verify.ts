import { headerGetter, isoFromEpochSec, jsonEventVerifier } from '../../crypto.js';
import { matchTimestampedHeader } from '../../schemes/hmac.js';
import { defineScheme } from '../../types.js';

/** `Stripe-Signature: t=…,v1=…[,v1=…][,v0=…]`: what is signed is `${t}.${raw}`. */
export const STRIPE_HEADER = { sep: ',', tsKey: 't', sigKey: 'v1', joiner: '.' } as const;

/** Where the event's id, type and time are in its JSON (the events API lists the same objects). */
export const STRIPE_EVENT_KEYS = { id: 'id', type: 'type', time: 'created', iso: isoFromEpochSec };

/** HMAC-SHA256 hex of `${t}.${raw}`; the `whsec_` secret is used as is. */
export const verifyStripeSignature = jsonEventVerifier(
  (input) => matchTimestampedHeader(input, headerGetter(input.headers)('stripe-signature'), STRIPE_HEADER),
  STRIPE_EVENT_KEYS,
);

export const scheme = defineScheme('stripe', 'Stripe', verifyStripeSignature);

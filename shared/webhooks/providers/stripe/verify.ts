import { acceptJsonEvent, headerGetter, isoFromEpochSec } from '../../crypto.js';
import { matchTimestampedHeader } from '../../schemes/hmac.js';
import { defineScheme, type VerifyInput, type VerifyResult } from '../../types.js';

/** `Stripe-Signature: t=…,v1=…[,v1=…][,v0=…]`: what is signed is `${t}.${raw}`. */
export const STRIPE_HEADER = { sep: ',', tsKey: 't', sigKey: 'v1', joiner: '.' } as const;

/** HMAC-SHA256 hex of `${t}.${raw}`; the `whsec_` secret is used as is. */
export function verifyStripeSignature(input: VerifyInput): VerifyResult {
  const matched = matchTimestampedHeader(
    input,
    headerGetter(input.headers)('stripe-signature'),
    STRIPE_HEADER,
  );
  if (typeof matched !== 'number') return matched;
  return acceptJsonEvent(input.rawBody, matched, {
    id: 'id',
    type: 'type',
    time: 'created',
    iso: isoFromEpochSec,
  });
}

export const scheme = defineScheme('stripe', 'Stripe', verifyStripeSignature);

import { headerGetter, isoFromText, jsonEventVerifier } from '../../crypto.js';
import { matchTimestampedHeader } from '../../schemes/hmac.js';
import { defineScheme } from '../../types.js';

/** `Paddle-Signature: ts=…;h1=…[;h1=…]`: what is signed is `${ts}:${raw}`. */
export const PADDLE_HEADER = { sep: ';', tsKey: 'ts', sigKey: 'h1', joiner: ':' } as const;

/** Paddle Billing: HMAC-SHA256 hex of `${ts}:${raw}` (any `h1`). */
export const verifyPaddleSignature = jsonEventVerifier(
  (input) => matchTimestampedHeader(input, headerGetter(input.headers)('paddle-signature'), PADDLE_HEADER),
  { id: 'event_id', type: 'event_type', time: 'occurred_at', iso: isoFromText },
);

export const scheme = defineScheme('paddle', 'Paddle Billing', verifyPaddleSignature);

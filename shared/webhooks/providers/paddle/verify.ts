import { acceptJsonEvent, headerGetter, isoFromText } from '../../crypto.js';
import { matchTimestampedHeader } from '../../schemes/hmac.js';
import { defineScheme, type VerifyInput, type VerifyResult } from '../../types.js';

/** `Paddle-Signature: ts=…;h1=…[;h1=…]`: what is signed is `${ts}:${raw}`. */
export const PADDLE_HEADER = { sep: ';', tsKey: 'ts', sigKey: 'h1', joiner: ':' } as const;

/** Paddle Billing: HMAC-SHA256 hex of `${ts}:${raw}`. */
export function verifyPaddleSignature(input: VerifyInput): VerifyResult {
  const matched = matchTimestampedHeader(
    input,
    headerGetter(input.headers)('paddle-signature'),
    PADDLE_HEADER,
  );
  if (typeof matched !== 'number') return matched;
  return acceptJsonEvent(input.rawBody, matched, {
    id: 'event_id',
    type: 'event_type',
    time: 'occurred_at',
    iso: isoFromText,
  });
}

export const scheme = defineScheme('paddle', 'Paddle Billing', verifyPaddleSignature);

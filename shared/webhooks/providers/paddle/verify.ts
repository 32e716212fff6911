import { headerGetter, isoFromText, jsonEventVerifier } from '../../crypto.js';
import { matchTimestampedHeader } from '../../schemes/hmac.js';
import { defineScheme } from '../../types.js';

/** `Paddle-Signature: ts=…;h1=…[;h1=…]`: what is signed is `${ts}:${raw}`. */
export const PADDLE_HEADER = { sep: ';', tsKey: 'ts', sigKey: 'h1', joiner: ':' } as const;

/** Where the event's id, type and time are in its JSON (the events API lists the same objects). */
export const PADDLE_EVENT_KEYS = {
  id: 'event_id',
  type: 'event_type',
  time: 'occurred_at',
  iso: isoFromText,
};

/** Paddle Billing: HMAC-SHA256 hex of `${ts}:${raw}` (any `h1`). */
export const verifyPaddleSignature = jsonEventVerifier(
  (input) => matchTimestampedHeader(input, headerGetter(input.headers)('paddle-signature'), PADDLE_HEADER),
  PADDLE_EVENT_KEYS,
);

export const scheme = defineScheme('paddle', 'Paddle Billing', verifyPaddleSignature);

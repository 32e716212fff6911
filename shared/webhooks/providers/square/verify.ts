import { fromBase64, headerGetter, isoFromText, jsonEventVerifier } from '../../crypto.js';
import { matchSignedBody } from '../../schemes/hmac.js';
import { defineScheme } from '../../types.js';

/** The URL Square signs: the secret's `notificationUrl`, else the URL called. */
export const squareSignedUrl = (config: Readonly<Record<string, unknown>>, url: string): string =>
  typeof config.notificationUrl === 'string' ? config.notificationUrl : url;

/** Square: `x-square-hmacsha256-signature`, base64 HMAC-SHA256 of notification URL + raw body. */
export const verifySquareSignature = jsonEventVerifier(
  (input) =>
    matchSignedBody(
      input,
      headerGetter(input.headers)('x-square-hmacsha256-signature'),
      fromBase64,
      squareSignedUrl(input.config, input.url),
    ),
  { id: 'event_id', type: 'type', time: 'created_at', iso: isoFromText },
);

export const scheme = defineScheme('square', 'Square', verifySquareSignature);

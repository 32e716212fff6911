import { fromHex, headerGetter, isoFromEpochSec, parseJsonObject, str } from '../../crypto.js';
import { matchSignedBody } from '../../schemes/hmac.js';
import { defineScheme, fail, type VerifyInput, type VerifyResult } from '../../types.js';

/** Razorpay: `X-Razorpay-Signature` hex; id from `x-razorpay-event-id`. */
export function verifyRazorpaySignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const r = matchSignedBody(input, h('x-razorpay-signature'), fromHex);
  if (typeof r !== 'number') return r;
  const id = h('x-razorpay-event-id');
  if (!id) return fail('invalid_payload', 'x-razorpay-event-id is missing');
  const body = parseJsonObject(input.rawBody);
  return {
    ok: true,
    eventId: id,
    type: str(body?.event) ?? 'unknown',
    occurredAt: isoFromEpochSec(body?.created_at),
    matchedSecret: r,
  };
}

export const scheme = defineScheme('razorpay', 'Razorpay', verifyRazorpaySignature);

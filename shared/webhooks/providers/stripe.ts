import {
  checkTimestamp,
  headerGetter,
  hmac,
  isoFromEpochSec,
  matchSecret,
  parseJsonObject,
  parseTimestampedHeader,
  str,
} from '../crypto.js';
import { fail, type ProviderScheme, type VerifyInput, type VerifyResult } from '../types.js';

/** Stripe: `Stripe-Signature: t=…,v1=…[,v1=…][,v0=…]`, HMAC-SHA256 hex of `${t}.${raw}`; the `whsec_` secret is used as is. */
export function verifyStripeSignature(input: VerifyInput): VerifyResult {
  const header = headerGetter(input.headers)('stripe-signature');
  if (header === undefined || header.trim() === '') return fail('missing_signature');
  const { ts: t, sigs: v1 } = parseTimestampedHeader(header, ',', 't', 'v1');
  if (t === undefined || v1.length === 0) return fail('malformed_header', 'expected t=… and v1=…');
  const tsProblem = checkTimestamp(t, input.now, input.toleranceSec);
  if (tsProblem) return fail(tsProblem);
  const matched = matchSecret(input.secrets, (s) => hmac('sha256', s, `${t}.`, input.rawBody), v1);
  if (matched < 0) return fail('bad_signature');
  const body = parseJsonObject(input.rawBody);
  const id = str(body?.id);
  if (!body || !id) return fail('invalid_payload', 'the event has no id');
  return {
    ok: true,
    eventId: id,
    type: str(body.type) ?? 'unknown',
    occurredAt: isoFromEpochSec(body.created),
    matchedSecret: matched,
  };
}

export const stripe: ProviderScheme = {
  slug: 'stripe',
  name: 'Stripe',
  verify: verifyStripeSignature,
  defaultToleranceSec: 300,
};

/** The two HMAC-SHA256 shapes several providers share; each returns the matched secret's index or a failure. */
import { checkTimestamp, hmac, matchSecret, parseTimestampedHeader } from '../crypto.js';
import { fail, type VerifyInput, type VerifyResult } from '../types.js';

/**
 * One signature header over the raw body, optionally after a prefix (Square signs its
 * notification URL first): GitHub, Shopify, Razorpay, Lemon Squeezy, Square.
 */
export function matchSignedBody(
  input: VerifyInput,
  signature: string | undefined,
  decode: (s: string) => Buffer | undefined,
  prefix?: string,
): number | VerifyResult {
  if (signature === undefined || signature.trim() === '') return fail('missing_signature');
  const sig = decode(signature.trim());
  if (sig?.length !== 32) return fail('malformed_header');
  const mac =
    prefix === undefined
      ? (s: string) => hmac('sha256', s, input.rawBody)
      : (s: string) => hmac('sha256', s, prefix, input.rawBody);
  const matched = matchSecret(input.secrets, mac, [sig]);
  return matched < 0 ? fail('bad_signature') : matched;
}

/**
 * A `key=value` list header with a timestamp and hex signatures of `${ts}${joiner}${raw}`
 * (Stripe `t=…,v1=…`, Paddle `ts=…;h1=…`); the timestamp is checked against the tolerance.
 */
export function matchTimestampedHeader(
  input: VerifyInput,
  header: string | undefined,
  shape: { sep: string; tsKey: string; sigKey: string; joiner: string },
): number | VerifyResult {
  if (header === undefined || header.trim() === '') return fail('missing_signature');
  const { ts, sigs } = parseTimestampedHeader(header, shape.sep, shape.tsKey, shape.sigKey);
  if (ts === undefined || sigs.length === 0)
    return fail('malformed_header', `expected ${shape.tsKey}=… and ${shape.sigKey}=…`);
  const tsProblem = checkTimestamp(ts, input.now, input.toleranceSec);
  if (tsProblem) return fail(tsProblem);
  const matched = matchSecret(
    input.secrets,
    (s) => hmac('sha256', s, `${ts}${shape.joiner}`, input.rawBody),
    sigs,
  );
  return matched < 0 ? fail('bad_signature') : matched;
}

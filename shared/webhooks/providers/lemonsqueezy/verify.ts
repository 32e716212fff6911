import { fromHex, headerGetter, isoFromText, parseJsonObject, sha256Hex, str } from '../../crypto.js';
import { matchSignedBody } from '../../schemes/hmac.js';
import { defineScheme, type VerifyInput, type VerifyResult } from '../../types.js';

/**
 * Lemon Squeezy: `X-Signature` hex. It sends no event id, so the id is derived: `sha256:` + the
 * body's sha256. Retries resend the same bytes, so they dedupe; a changed body is a new event.
 */
export function verifyLemonSqueezySignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const r = matchSignedBody(input, h('x-signature'), fromHex);
  if (typeof r !== 'number') return r;
  const body = parseJsonObject(input.rawBody);
  const meta = body?.meta as Record<string, unknown> | undefined;
  const attrs = (body?.data as { attributes?: Record<string, unknown> } | undefined)?.attributes;
  return {
    ok: true,
    eventId: `sha256:${input.bodySha256 ?? sha256Hex(input.rawBody)}`,
    type: str(meta?.event_name) ?? h('x-event-name') ?? 'unknown',
    occurredAt: isoFromText(attrs?.updated_at) ?? isoFromText(attrs?.created_at),
    matchedSecret: r,
  };
}

export const scheme = defineScheme('lemonsqueezy', 'Lemon Squeezy', verifyLemonSqueezySignature);

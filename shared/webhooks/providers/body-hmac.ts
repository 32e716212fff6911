/** Schemes that sign the raw body alone with HMAC-SHA256: GitHub, Shopify, Razorpay, Lemon Squeezy. */
import {
  fromBase64,
  fromHex,
  headerGetter,
  hmac,
  isoFromEpochSec,
  isoFromText,
  matchSecret,
  parseJsonObject,
  sha256Hex,
  str,
} from '../crypto.js';
import { fail, type ProviderScheme, type VerifyInput, type VerifyResult } from '../types.js';

function verifyBodyHmac(
  input: VerifyInput,
  signature: string | undefined,
  decode: (s: string) => Buffer | undefined,
) {
  if (signature === undefined || signature.trim() === '') return fail('missing_signature');
  const sig = decode(signature.trim());
  if (sig?.length !== 32) return fail('malformed_header');
  const matched = matchSecret(input.secrets, (s) => hmac('sha256', s, input.rawBody), [sig]);
  return matched < 0 ? fail('bad_signature') : matched;
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>`; id from `X-GitHub-Delivery`, type from `X-GitHub-Event`. */
export function verifyGitHubSignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const header = h('x-hub-signature-256');
  const r = verifyBodyHmac(input, header, (s) => (s.startsWith('sha256=') ? fromHex(s.slice(7)) : undefined));
  if (typeof r !== 'number') return r;
  const delivery = h('x-github-delivery');
  if (!delivery) return fail('invalid_payload', 'X-GitHub-Delivery is missing');
  const event = h('x-github-event') ?? 'unknown';
  const action = str(parseJsonObject(input.rawBody)?.action);
  return { ok: true, eventId: delivery, type: action ? `${event}.${action}` : event, matchedSecret: r };
}

/** Shopify: `X-Shopify-Hmac-Sha256` (or `shopify-hmac-sha256`), base64; id from the webhook-id header. */
export function verifyShopifySignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const r = verifyBodyHmac(input, h('x-shopify-hmac-sha256') ?? h('shopify-hmac-sha256'), fromBase64);
  if (typeof r !== 'number') return r;
  const id =
    h('x-shopify-webhook-id') ?? h('shopify-webhook-id') ?? h('x-shopify-event-id') ?? h('shopify-event-id');
  if (!id) return fail('invalid_payload', 'X-Shopify-Webhook-Id is missing');
  return {
    ok: true,
    eventId: id,
    type: h('x-shopify-topic') ?? h('shopify-topic') ?? 'unknown',
    occurredAt: isoFromText(h('x-shopify-triggered-at') ?? h('shopify-triggered-at')),
    matchedSecret: r,
  };
}

/** Razorpay: `X-Razorpay-Signature` hex; id from `x-razorpay-event-id`. */
export function verifyRazorpaySignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const r = verifyBodyHmac(input, h('x-razorpay-signature'), fromHex);
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

/**
 * Lemon Squeezy: `X-Signature` hex. It sends no event id, so the id is derived: `sha256:` + the
 * body's sha256. Retries resend the same bytes, so they dedupe; a changed body is a new event.
 */
export function verifyLemonSqueezySignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const r = verifyBodyHmac(input, h('x-signature'), fromHex);
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

export const github: ProviderScheme = {
  slug: 'github',
  name: 'GitHub',
  verify: verifyGitHubSignature,
  defaultToleranceSec: 300,
};
export const shopify: ProviderScheme = {
  slug: 'shopify',
  name: 'Shopify',
  verify: verifyShopifySignature,
  defaultToleranceSec: 300,
};
export const razorpay: ProviderScheme = {
  slug: 'razorpay',
  name: 'Razorpay',
  verify: verifyRazorpaySignature,
  defaultToleranceSec: 300,
};
export const lemonsqueezy: ProviderScheme = {
  slug: 'lemonsqueezy',
  name: 'Lemon Squeezy',
  verify: verifyLemonSqueezySignature,
  defaultToleranceSec: 300,
};

import { fromBase64, headerGetter, isoFromText } from '../../crypto.js';
import { matchSignedBody } from '../../schemes/hmac.js';
import { defineScheme, fail, type VerifyInput, type VerifyResult } from '../../types.js';

/** Shopify: `X-Shopify-Hmac-Sha256` (or `shopify-hmac-sha256`), base64; id from the webhook-id header. */
export function verifyShopifySignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const r = matchSignedBody(input, h('x-shopify-hmac-sha256') ?? h('shopify-hmac-sha256'), fromBase64);
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

export const scheme = defineScheme('shopify', 'Shopify', verifyShopifySignature);

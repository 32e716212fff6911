import { fromBase64, fromHex, hmac, memo, parseJsonObject, safeEqual, str } from '../../crypto.js';
import { defineScheme, fail, type VerifyInput, type VerifyResult } from '../../types.js';

const hexKey = /* @__PURE__ */ memo(fromHex);

/** Adyen's signed string: pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success. */
export function adyenSigningString(item: Record<string, unknown>): string {
  const amount = (item.amount ?? {}) as Record<string, unknown>;
  return [
    item.pspReference,
    item.originalReference,
    item.merchantAccountCode,
    item.merchantReference,
    amount.value,
    amount.currency,
    item.eventCode,
    item.success,
  ]
    .map((v) => (v === undefined || v === null ? '' : String(v)))
    .join(':');
}

/**
 * Adyen standard notifications: every item of the batch carries `additionalData.hmacSignature`,
 * base64 HMAC-SHA256 with the **hex** HMAC key (the source's `secrets`, or its `hmacKey` field).
 * All items must verify with one key. The event id is `eventCode:pspReference` (items joined by `,`).
 */
export function verifyAdyenSignature(input: VerifyInput): VerifyResult {
  const body = parseJsonObject(input.rawBody);
  const wrapped = body?.notificationItems;
  if (!Array.isArray(wrapped) || wrapped.length === 0)
    return fail('missing_signature', 'no notificationItems');
  const secrets = input.secrets.length
    ? input.secrets
    : typeof input.config.hmacKey === 'string'
      ? [input.config.hmacKey]
      : [];
  const items: Record<string, unknown>[] = [];
  const signed: { sig: Buffer; data: string }[] = [];
  for (const w of wrapped) {
    const item = (w as { NotificationRequestItem?: unknown } | null)?.NotificationRequestItem;
    if (!item || typeof item !== 'object')
      return fail('malformed_header', 'an item lacks NotificationRequestItem');
    const rec = item as Record<string, unknown>;
    const sigText = (rec.additionalData as Record<string, unknown> | undefined)?.hmacSignature;
    if (typeof sigText !== 'string' || sigText === '') return fail('missing_signature');
    const sig = fromBase64(sigText);
    if (sig?.length !== 32) return fail('malformed_header', 'hmacSignature is not base64 of 32 bytes');
    signed.push({ sig, data: adyenSigningString(rec) });
    items.push(rec);
  }
  // One key must verify every item: a batch signed item by item with different keys is refused.
  let matched = -1;
  for (let i = 0; i < secrets.length && matched < 0; i++) {
    const k = hexKey(secrets[i]!);
    if (k && signed.every((s) => safeEqual(hmac('sha256', k, s.data), s.sig))) matched = i;
  }
  if (matched < 0) return fail('bad_signature');
  const ids = items.map((i) => `${str(i.eventCode) ?? ''}:${str(i.pspReference) ?? ''}`);
  const first = items[0]!;
  const d = typeof first.eventDate === 'string' ? new Date(first.eventDate) : undefined;
  return {
    ok: true,
    eventId: ids.join(','),
    type: str(first.eventCode) ?? 'unknown',
    occurredAt: d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined,
    matchedSecret: matched,
  };
}

export const scheme = defineScheme('adyen', 'Adyen', verifyAdyenSignature, {
  ackReply: { status: 200, contentType: 'text/plain', body: '[accepted]' },
});

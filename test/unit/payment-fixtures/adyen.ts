/**
 * Adyen standard webhooks, https://docs.adyen.com/development-resources/webhooks/webhook-types
 * (envelope: `live` + `notificationItems[].NotificationRequestItem`). Modifications (CAPTURE,
 * CANCELLATION, REFUND…) carry the modification's own `pspReference` and the payment's as
 * `originalReference`, https://docs.adyen.com/online-payments/modify-payments. Dispute events share
 * the dispute's own `pspReference`; `originalReference` is the disputed payment,
 * https://docs.adyen.com/risk-management/disputes-api/dispute-notifications.
 */

export interface AdyenItem {
  eventCode: string;
  pspReference: string;
  originalReference?: string;
  value?: number;
  currency?: string;
  success?: 'true' | 'false';
  eventDate?: string;
  reason?: string;
  additionalData?: Record<string, string>;
}

export const PAYMENT_PSP = 'QFQTPCQ8HXSKGK82';

export function adyenItem(i: AdyenItem) {
  return {
    NotificationRequestItem: {
      additionalData: i.additionalData ?? {},
      amount: { currency: i.currency ?? 'EUR', value: i.value ?? 1000 },
      eventCode: i.eventCode,
      eventDate: i.eventDate ?? '2026-01-01T01:00:00+01:00',
      merchantAccountCode: 'YOUR_MERCHANT_ACCOUNT',
      merchantReference: 'YOUR_REFERENCE',
      ...(i.originalReference ? { originalReference: i.originalReference } : {}),
      paymentMethod: 'visa',
      pspReference: i.pspReference,
      reason: i.reason ?? '',
      success: i.success ?? 'true',
    },
  };
}

export const adyenBody = (...items: AdyenItem[]) => ({
  live: 'false',
  notificationItems: items.map(adyenItem),
});

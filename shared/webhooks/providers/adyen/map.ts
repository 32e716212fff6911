/**
 * Adyen (standard notifications). One webhook may carry several NotificationRequestItems; each
 * becomes one event. Order: the item's `eventDate`, then rank, then pspReference + eventCode.
 */

import { finish, type Mapper } from '../../../payments/mapping.js';
import type { MappedEvent, PaymentType } from '../../../payments/model.js';
import { arr, isoFrom, money, obj, str } from '../../../payments/util.js';

export const map: Mapper = (input) => {
  const out: MappedEvent[] = [];
  for (const wrapper of arr(obj(input.body).notificationItems)) {
    const n = obj(obj(wrapper).NotificationRequestItem);
    const code = str(n.eventCode) ?? '';
    const success = n.success === 'true' || n.success === true;
    const psp = str(n.pspReference);
    const original = str(n.originalReference);
    const extra = obj(n.additionalData);
    const occurredAt = isoFrom(n.eventDate);
    let type: PaymentType | undefined;
    let objectType: 'payment' | 'dispute' = 'payment';
    let objectId = psp;
    let outcome: string | undefined;
    if (code === 'AUTHORISATION') type = success ? 'payment.succeeded' : 'payment.failed';
    else if (code === 'REFUND' && success) {
      type = 'payment.refunded';
      objectId = original;
    } else if (code === 'NOTIFICATION_OF_CHARGEBACK' || code === 'CHARGEBACK') {
      type = 'dispute.opened';
      objectType = 'dispute';
    } else if (code === 'CHARGEBACK_REVERSED' || code === 'PREARBITRATION_WON') {
      type = 'dispute.closed';
      objectType = 'dispute';
      outcome = 'won';
    } else if (code === 'PREARBITRATION_LOST' || code === 'SECOND_CHARGEBACK') {
      type = 'dispute.closed';
      objectType = 'dispute';
      outcome = 'lost';
    }
    if (!type) continue;
    const amount = obj(n.amount);
    out.push(
      ...finish(input, {
        type,
        object: { type: objectType, id: objectType === 'dispute' ? (original ?? psp) : objectId },
        occurredAt,
        order: occurredAt ? { timeIso: occurredAt } : undefined,
        providerEventId: `${psp ?? ''}#${code}`,
        fields: {
          status: success ? code : `${code}_FAILED`,
          customerId: str(extra.shopperReference ?? extra['recurring.shopperReference']),
          amount: money(amount.value, amount.currency),
          refundId: type === 'payment.refunded' ? psp : undefined,
          failureReason: type === 'payment.failed' ? str(n.reason) : undefined,
          reason: objectType === 'dispute' ? str(n.reason) : undefined,
          outcome,
          ids: {
            pspReference: psp,
            originalReference: original,
            merchantReference: str(n.merchantReference),
            merchantAccountCode: str(n.merchantAccountCode),
          },
        },
      }),
    );
  }
  return out;
};

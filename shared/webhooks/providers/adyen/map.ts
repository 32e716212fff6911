/**
 * Adyen (standard notifications). One webhook may carry several NotificationRequestItems; each
 * becomes one or two events. Order, for every object kind: the item's `eventDate`, then the
 * state's lifecycle rank. A modification (CAPTURE, CANCELLATION, REFUND…) has its own
 * `pspReference` and names the payment in `originalReference`; a dispute's `pspReference` is the
 * dispute's own (shared by all its events). Amounts use Adyen's exponents (CLP 2, ISK 2, IDR 0,
 * CVE 0), converted to ISO 4217. docs/payments.md lists what is mapped and what goes raw.
 */

import { finish, type Mapper, type MapperInput } from '../../../payments/mapping.js';
import type { MappedEvent, ObjectType, PaymentType } from '../../../payments/model.js';
import { arr, isoFrom, money, obj, str } from '../../../payments/util.js';

interface Item {
  code: string;
  success: boolean;
  psp: string | undefined;
  original: string | undefined;
  n: Record<string, unknown>;
}

/** [type, object kind, whose id]: `psp` the item's own reference, `original` the payment's. */
type Target = [PaymentType, ObjectType, 'psp' | 'original'];

const DISPUTE_CLOSED: Record<string, 'won' | 'lost'> = {
  CHARGEBACK_REVERSED: 'won',
  PREARBITRATION_WON: 'won',
  PREARBITRATION_LOST: 'lost',
  SECOND_CHARGEBACK: 'lost',
};

const refundFailed: Target[] = [
  ['refund.failed', 'refund', 'psp'],
  ['payment.refund_failed', 'payment', 'original'],
];
const refunded: Target[] = [
  ['refund.succeeded', 'refund', 'psp'],
  ['payment.refunded', 'payment', 'original'],
];

/** The events one item means; none (raw) for codes outside the payment model. */
function targets({ code, success, n }: Item): Target[] {
  if (code === 'AUTHORISATION')
    return [[success ? 'payment.authorized' : 'payment.failed', 'payment', 'psp']];
  if (code === 'CAPTURE') return [[success ? 'payment.succeeded' : 'payment.failed', 'payment', 'original']];
  if (code === 'CAPTURE_FAILED') return [['payment.failed', 'payment', 'original']];
  if (code === 'CANCELLATION') return success ? [['payment.canceled', 'payment', 'original']] : [];
  if (code === 'REFUND') return success ? refunded : [['refund.failed', 'refund', 'psp']];
  if (code === 'REFUND_FAILED' || code === 'REFUNDED_REVERSED') return refundFailed;
  if (code === 'CANCEL_OR_REFUND' && success) {
    const action = str(obj(n.additionalData)['modification.action']);
    return action === 'cancel'
      ? [['payment.canceled', 'payment', 'original']]
      : action === 'refund'
        ? refunded
        : [];
  }
  if (code === 'NOTIFICATION_OF_CHARGEBACK' || code === 'CHARGEBACK')
    return [['dispute.opened', 'dispute', 'psp']];
  if (code in DISPUTE_CLOSED) return [['dispute.closed', 'dispute', 'psp']];
  return [];
}

function itemEvents(input: MapperInput, item: Item): MappedEvent[] {
  const { code, success, psp, original, n } = item;
  const extra = obj(n.additionalData);
  const amount = obj(n.amount);
  const occurredAt = isoFrom(n.eventDate);
  return targets(item).flatMap(([type, objectType, whose]) =>
    finish(input, {
      type,
      object: { type: objectType, id: whose === 'psp' ? psp : original },
      occurredAt,
      order: occurredAt ? { timeIso: occurredAt } : undefined,
      fields: {
        // A refund notification does not say whether the whole payment is now refunded.
        status: type === 'payment.refunded' ? undefined : success ? code : `${code}_FAILED`,
        customerId: str(extra.shopperReference ?? extra['recurring.shopperReference']),
        amount: money(amount.value, amount.currency, 'adyen'),
        refundId: type === 'payment.refunded' || type === 'payment.refund_failed' ? psp : undefined,
        paymentId: objectType === 'refund' || objectType === 'dispute' ? original : undefined,
        failureReason: type.endsWith('failed') ? str(n.reason) : undefined,
        reason: objectType === 'dispute' ? str(n.reason) : undefined,
        outcome: DISPUTE_CLOSED[code],
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

export const map: Mapper = (input) =>
  arr(obj(input.body).notificationItems).flatMap((wrapper) => {
    const n = obj(obj(wrapper).NotificationRequestItem);
    return itemEvents(input, {
      code: str(n.eventCode) ?? '',
      success: n.success === 'true' || n.success === true,
      psp: str(n.pspReference),
      original: str(n.originalReference),
      n,
    });
  });

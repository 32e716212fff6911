/**
 * Paddle Billing. Order: the notification's `occurred_at` (RFC 3339 with microseconds), then the
 * lifecycle rank; Paddle documents occurred_at as the way to order events.
 * docs/payments.md lists what is mapped and why.
 */

import { type Draft, finish, type Mapper, type MapperInput } from '../../../payments/mapping.js';
import type { MappedEvent, PaymentType } from '../../../payments/model.js';
import { type RefundDraft, refundEvents } from '../../../payments/refunds.js';
import { arr, isoFrom, money, obj, str } from '../../../payments/util.js';

type Common = Pick<Draft, 'occurredAt' | 'order'> & {
  status?: string | undefined;
  customerId?: string | undefined;
};

const SUBSCRIPTION: Record<string, PaymentType> = {
  'subscription.created': 'subscription.created',
  'subscription.updated': 'subscription.updated',
  'subscription.activated': 'subscription.updated',
  'subscription.past_due': 'subscription.updated',
  'subscription.paused': 'subscription.paused',
  'subscription.resumed': 'subscription.reactivated',
  'subscription.canceled': 'subscription.canceled',
};

/** The adjustment's `type` (no `type`, as in payloads before it existed: the event does not say). */
const REFUND_STATUS: Record<string, string> = { full: 'refunded', partial: 'partially_refunded' };

/** A refund adjustment's status -> the refund's state (`pending_approval` until Paddle approves it). */
const REFUND_STATE: Record<string, RefundDraft['state']> = {
  pending_approval: 'pending',
  approved: 'succeeded',
  rejected: 'failed',
  reversed: 'failed',
};

/** Chargeback adjustments, created by Paddle: a warning or a chargeback opens, a reversal closes (won). */
const CHARGEBACK: Record<string, PaymentType> = {
  chargeback_warning: 'dispute.opened',
  chargeback: 'dispute.opened',
  chargeback_reverse: 'dispute.closed',
};

function transactionEvent(input: MapperInput, type: PaymentType, d: Record<string, unknown>, c: Common) {
  const totals = obj(obj(d.details).totals);
  const { occurredAt, order, ...fields } = c;
  return finish(input, {
    type,
    object: { type: 'payment', id: str(d.id) },
    occurredAt,
    order,
    fields: {
      ...fields,
      amount: money(totals.grand_total ?? totals.total, d.currency_code),
      ids: { transactionId: str(d.id), subscriptionId: str(d.subscription_id), invoiceId: str(d.invoice_id) },
    },
  });
}

/**
 * An adjustment. A refund is its own object (the adjustment, `refund.pending` until Paddle approves
 * it, `refund.failed` when rejected) and changes the transaction once approved: `type` full ->
 * refunded, partial -> partially_refunded, never the adjustment's own status word (`approved`).
 * Chargebacks are disputes: Paddle gives them no dispute id, so the dispute is keyed by the
 * transaction it is about (one chargeback per transaction), the adjustment id in `ids`.
 */
function adjustmentEvent(input: MapperInput, d: Record<string, unknown>, c: Common): MappedEvent[] {
  const totals = obj(d.totals);
  const amount = money(totals.total, d.currency_code ?? totals.currency_code);
  const transactionId = str(d.transaction_id);
  const ids = { transactionId, adjustmentId: str(d.id), subscriptionId: str(d.subscription_id) };
  const { occurredAt, order, customerId } = c;
  const draft = (type: PaymentType, objectType: Draft['object']['type'], fields: Record<string, unknown>) =>
    finish(input, { type, object: { type: objectType, id: transactionId }, occurredAt, order, fields });
  const disputeType = CHARGEBACK[str(d.action) ?? ''];
  if (disputeType)
    return draft(disputeType, 'dispute', {
      status: str(d.action),
      customerId,
      amount,
      reason: str(d.reason),
      paymentId: transactionId,
      outcome: disputeType === 'dispute.closed' ? 'won' : undefined,
      ids,
    });
  const state = REFUND_STATE[str(d.status) ?? ''];
  if (d.action !== 'refund' || !state) return [];
  const refund = {
    state,
    refundId: str(d.id),
    paymentId: transactionId,
    amount,
    status: str(d.status),
    customerId,
    ids,
  };
  const events = refundEvents(input, { occurredAt, order }, refund, {
    status: REFUND_STATUS[str(d.type) ?? ''],
  });
  // An approved refund Paddle later reversed: the money is back with the merchant.
  if (d.status === 'reversed')
    events.push(
      ...draft('payment.refund_failed', 'payment', { ...refund, refundId: str(d.id), status: 'reversed' }),
    );
  return events;
}

function subscriptionEvent(input: MapperInput, named: PaymentType, d: Record<string, unknown>, c: Common) {
  const price = obj(obj(arr(d.items)[0]).price);
  const item = obj(arr(d.items)[0]);
  const scheduled = obj(d.scheduled_change);
  const cancelling = scheduled.action === 'cancel' && named === 'subscription.updated';
  const quantity = typeof item.quantity === 'number' ? item.quantity : undefined;
  const unit = money(obj(price.unit_price).amount, obj(price.unit_price).currency_code ?? d.currency_code);
  const { occurredAt, order, ...fields } = c;
  return finish(input, {
    type: cancelling ? 'subscription.cancel_scheduled' : named,
    object: { type: 'subscription', id: str(d.id) },
    occurredAt,
    order,
    fields: {
      ...fields,
      amount: unit && { ...unit, amount: unit.amount * (quantity ?? 1) },
      planId: str(price.id),
      quantity,
      currentPeriodEnd: isoFrom(obj(d.current_billing_period).ends_at),
      cancelAtPeriodEnd: scheduled.action === 'cancel' ? true : undefined,
      cancelAt: scheduled.action === 'cancel' ? isoFrom(scheduled.effective_at) : undefined,
      ids: { subscriptionId: str(d.id), priceId: str(price.id), addressId: str(d.address_id) },
    },
  });
}

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const d = obj(e.data);
  const type = str(e.event_type) ?? '';
  const occurredAt = isoFrom(e.occurred_at);
  // The raw RFC 3339 string keeps Paddle's microseconds (Date keeps milliseconds only).
  const order = occurredAt ? { timeIso: String(e.occurred_at) } : undefined;
  const c: Common = { occurredAt, order, status: str(d.status), customerId: str(d.customer_id) };
  if (type === 'transaction.completed') return transactionEvent(input, 'payment.succeeded', d, c);
  if (type === 'transaction.payment_failed') return transactionEvent(input, 'payment.failed', d, c);
  if (type === 'adjustment.created' || type === 'adjustment.updated') return adjustmentEvent(input, d, c);
  const subscriptionType = SUBSCRIPTION[type];
  return subscriptionType ? subscriptionEvent(input, subscriptionType, d, c) : [];
};

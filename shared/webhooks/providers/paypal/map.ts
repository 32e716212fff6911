/**
 * PayPal. Order: the resource's `update_time` (falling back to its `create_time`, then the
 * event's `create_time`), then the lifecycle rank. PayPal documents no event sequence; its times
 * have 1 s resolution. docs/payments.md lists what is mapped and why.
 */

import { type Draft, finish, type Mapper, type MapperInput } from '../../../payments/mapping.js';
import type { MappedEvent, ObjectType, PaymentType } from '../../../payments/model.js';
import { type RefundDraft, refundEvents } from '../../../payments/refunds.js';
import { arr, decimalMoney, isoFrom, obj, str } from '../../../payments/util.js';

type Kind = 'capture' | 'refund' | 'order' | 'sale' | 'saleRefund' | 'subscription' | 'dispute';

const TYPES: Record<string, [PaymentType, Kind]> = {
  'PAYMENT.CAPTURE.COMPLETED': ['payment.succeeded', 'capture'],
  'PAYMENT.CAPTURE.PENDING': ['payment.processing', 'capture'],
  'PAYMENT.CAPTURE.DENIED': ['payment.failed', 'capture'],
  'PAYMENT.CAPTURE.DECLINED': ['payment.failed', 'capture'],
  // The resource is the refund (or PayPal's reversal), not the capture: see refundEvent.
  'PAYMENT.CAPTURE.REFUNDED': ['payment.refunded', 'refund'],
  'PAYMENT.CAPTURE.REVERSED': ['payment.refunded', 'refund'],
  // Approval is not payment: the order still has to be captured, and may be reversed.
  'CHECKOUT.ORDER.APPROVED': ['checkout.awaiting_payment', 'order'],
  'CHECKOUT.ORDER.COMPLETED': ['checkout.completed', 'order'],
  'CHECKOUT.PAYMENT-APPROVAL.REVERSED': ['checkout.payment_failed', 'order'],
  // Subscription payments are v1 sales.
  'PAYMENT.SALE.COMPLETED': ['invoice.paid', 'sale'],
  'PAYMENT.SALE.REFUNDED': ['payment.refunded', 'saleRefund'],
  'PAYMENT.SALE.REVERSED': ['payment.refunded', 'saleRefund'],
  'BILLING.SUBSCRIPTION.CREATED': ['subscription.created', 'subscription'],
  'BILLING.SUBSCRIPTION.ACTIVATED': ['subscription.updated', 'subscription'],
  'BILLING.SUBSCRIPTION.UPDATED': ['subscription.updated', 'subscription'],
  'BILLING.SUBSCRIPTION.SUSPENDED': ['subscription.paused', 'subscription'],
  'BILLING.SUBSCRIPTION.CANCELLED': ['subscription.canceled', 'subscription'],
  'BILLING.SUBSCRIPTION.EXPIRED': ['subscription.canceled', 'subscription'],
  'BILLING.SUBSCRIPTION.PAYMENT.FAILED': ['invoice.payment_failed', 'subscription'],
  'CUSTOMER.DISPUTE.CREATED': ['dispute.opened', 'dispute'],
  'CUSTOMER.DISPUTE.RESOLVED': ['dispute.closed', 'dispute'],
};

/** dispute_outcome.outcome_code -> outcome, from the merchant's side (who keeps the money). */
const OUTCOMES: Record<string, 'won' | 'lost' | 'accepted'> = {
  RESOLVED_SELLER_FAVOUR: 'won',
  RESOLVED_BUYER_FAVOUR: 'lost',
  ACCEPTED: 'accepted',
  // The buyer withdrew, PayPal denied the claim, or PayPal paid the buyer itself: the seller keeps the money.
  CANCELED_BY_BUYER: 'won',
  DENIED: 'won',
  RESOLVED_WITH_PAYOUT: 'won',
};

const linkId = (r: Record<string, unknown>, rel: string) => {
  const href = str(obj(arr(r.links).find((l) => obj(l).rel === rel)).href);
  return href ? href.split('/').pop() : undefined;
};

/** Orders/Payments v2 money `{currency_code, value}`; v1 sales `{currency, total}`. */
const amt = (m: unknown) => {
  const o = obj(m);
  return decimalMoney(o.value ?? o.total, o.currency_code ?? o.currency);
};

interface Ctx {
  input: MapperInput;
  type: PaymentType;
  r: Record<string, unknown>;
  base: Pick<Draft, 'occurredAt' | 'order' | 'type'>;
}

const draft = (c: Ctx, objectType: ObjectType, id: unknown, fields: Record<string, unknown>) =>
  finish(c.input, { ...c.base, object: { type: objectType, id: str(id) }, fields });

/** A refund's status word (v2 upper case, v1 lower case) -> its lifecycle state. */
const REFUND_STATE: Record<string, RefundDraft['state']> = {
  COMPLETED: 'succeeded',
  PENDING: 'pending',
  FAILED: 'failed',
  CANCELLED: 'failed',
};

/**
 * A refund (v2, of a capture) or PayPal's reversal of the payment: the refund as its own object
 * and, once completed, the payment's side with the payment's refunded total
 * (`total_refunded_amount`). PayPal does not restate the payment's amount, so the event cannot tell
 * a full refund from a partial one: no status (the model's rule).
 */
function refundEvent(c: Ctx, paymentId: string | undefined, idKey: string, total: unknown): MappedEvent[] {
  const status = str(c.r.status) ?? str(c.r.state);
  return refundEvents(
    c.input,
    c.base,
    {
      state: REFUND_STATE[status?.toUpperCase() ?? ''] ?? 'succeeded',
      refundId: str(c.r.id),
      paymentId,
      amount: amt(c.r.amount),
      status,
      failureReason: str(obj(c.r.status_details).reason),
      ids: { [idKey]: paymentId },
    },
    { refundedAmount: amt(total) },
  );
}

/** A subscription payment: the subscription's invoice paid, and the sale itself a captured payment. */
function saleEvents(c: Ctx): MappedEvent[] {
  const fields = {
    status: str(c.r.state),
    amount: amt(c.r.amount),
    ids: { saleId: str(c.r.id), subscriptionId: str(c.r.billing_agreement_id) },
  };
  return [
    ...draft(c, 'invoice', c.r.id, fields),
    ...draft({ ...c, base: { ...c.base, type: 'payment.succeeded' } }, 'payment', c.r.id, fields),
  ];
}

function subscriptionEvent(c: Ctx): MappedEvent[] {
  const { r } = c;
  const billing = obj(r.billing_info);
  const common = { status: str(r.status), customerId: str(obj(r.subscriber).payer_id) };
  if (c.type === 'invoice.payment_failed')
    // PayPal sends the subscription, not an invoice: key the failure on the subscription.
    return draft(c, 'invoice', r.id, {
      ...common,
      amount: amt(billing.outstanding_balance),
      ids: { subscriptionId: str(r.id) },
    });
  return draft(c, 'subscription', r.id, {
    ...common,
    amount: amt(obj(billing.last_payment).amount),
    planId: str(r.plan_id),
    currentPeriodEnd: isoFrom(billing.next_billing_time),
    ids: { subscriptionId: str(r.id), planId: str(r.plan_id) },
  });
}

function disputeEvent(c: Ctx): MappedEvent[] {
  const { r } = c;
  const transactionId = str(obj(arr(r.disputed_transactions)[0]).seller_transaction_id);
  const code = str(obj(r.dispute_outcome).outcome_code) ?? '';
  return draft(c, 'dispute', r.dispute_id, {
    status: str(r.status),
    amount: amt(r.dispute_amount),
    reason: str(r.reason),
    paymentId: transactionId,
    outcome: c.type === 'dispute.opened' ? undefined : (OUTCOMES[code] ?? 'unknown'),
    ids: { disputeId: str(r.dispute_id), transactionId },
  });
}

function orderEvent(c: Ctx): MappedEvent[] {
  const { r } = c;
  const orderId = str(r.id) ?? str(r.order_id);
  return draft(c, 'checkout', orderId, {
    status: str(r.status),
    customerId: str(obj(r.payer).payer_id),
    amount: amt(obj(arr(r.purchase_units)[0]).amount),
    ids: { orderId },
  });
}

function captureEvent(c: Ctx): MappedEvent[] {
  const related = obj(obj(c.r.supplementary_data).related_ids);
  return draft(c, 'payment', c.r.id, {
    status: str(c.r.status),
    amount: amt(c.r.amount),
    failureReason: c.type === 'payment.failed' ? str(obj(c.r.status_details).reason) : undefined,
    ids: { captureId: str(c.r.id), orderId: str(related.order_id) },
  });
}

const BY_KIND: Record<Kind, (c: Ctx) => MappedEvent[]> = {
  capture: captureEvent,
  refund: (c) =>
    refundEvent(c, linkId(c.r, 'up'), 'captureId', obj(c.r.seller_payable_breakdown).total_refunded_amount),
  order: orderEvent,
  sale: saleEvents,
  saleRefund: (c) => refundEvent(c, str(c.r.sale_id), 'saleId', c.r.total_refunded_amount),
  subscription: subscriptionEvent,
  dispute: disputeEvent,
};

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const hit = TYPES[str(e.event_type) ?? ''];
  if (!hit) return [];
  const [type, kind] = hit;
  const r = obj(e.resource);
  const occurredAt = isoFrom(e.create_time);
  const resourceTime = isoFrom(r.update_time) ?? isoFrom(r.create_time) ?? occurredAt;
  const base = { occurredAt, order: resourceTime ? { timeIso: resourceTime } : undefined, type };
  return BY_KIND[kind]({ input, type, r, base });
};

/**
 * Razorpay. Order: the event's `created_at` (whole seconds), then the lifecycle rank. Entities
 * carry no version. docs/payments.md lists what is mapped and why.
 */

import {
  byEventTime,
  type DraftArgs,
  finish,
  type Mapper,
  type MapperInput,
} from '../../../payments/mapping.js';
import type { PaymentType } from '../../../payments/model.js';
import { type RefundDraft, refundEvents } from '../../../payments/refunds.js';
import { isoFrom, money, obj, str } from '../../../payments/util.js';

/** `subscription.activated` is worked out from the entity (subscriptionType). */
const SUBSCRIPTION: Record<string, PaymentType> = {
  // The first payment on the subscription (authorization or upfront amount): it exists now.
  'subscription.authenticated': 'subscription.created',
  'subscription.charged': 'subscription.updated',
  'subscription.updated': 'subscription.updated',
  'subscription.pending': 'subscription.updated',
  'subscription.halted': 'subscription.updated',
  'subscription.paused': 'subscription.paused',
  'subscription.resumed': 'subscription.reactivated',
  'subscription.cancelled': 'subscription.canceled',
  'subscription.completed': 'subscription.canceled',
};

/**
 * `subscription.activated` fires on the move to active from authenticated, pending or halted.
 * A subscription past its first billing cycle (`current_start` after `start_at`) is coming back
 * from pending or halted: a reactivation. (`paid_count` cannot tell: an upfront first charge counts.)
 */
function subscriptionType(event: string, s: Record<string, unknown>): PaymentType | undefined {
  if (event !== 'subscription.activated') return SUBSCRIPTION[event];
  return Number(s.current_start) > Number(s.start_at) ? 'subscription.reactivated' : 'subscription.updated';
}

/** An entity of the event's payload by name (`payload.<name>.entity`). */
type Entity = (name: string) => Record<string, unknown>;

const INVOICE: Record<string, PaymentType> = {
  'invoice.paid': 'invoice.paid',
  'invoice.partially_paid': 'invoice.partially_paid',
  'invoice.expired': 'invoice.payment_failed',
};

const PAYMENT: Record<string, PaymentType> = {
  'payment.authorized': 'payment.authorized',
  'payment.captured': 'payment.succeeded',
  'payment.failed': 'payment.failed',
};

const REFUND_STATE: Record<string, RefundDraft['state']> = {
  'refund.created': 'pending',
  'refund.processed': 'succeeded',
  'refund.failed': 'failed',
};

/**
 * refund.created / processed / failed carry the refund and the payment as it stands after it:
 * the refund as its own object, and once processed the payment's side with its `amount_refunded`
 * and `refund_status` (`partial` | `full`).
 */
function refundEvent(
  input: MapperInput,
  at: ReturnType<typeof byEventTime>,
  state: RefundDraft['state'],
  e: Entity,
) {
  const r = e('refund');
  const p = e('payment');
  const full = p.refund_status === 'full' || (p.amount !== undefined && p.amount_refunded === p.amount);
  return refundEvents(
    input,
    at,
    {
      state,
      refundId: str(r.id),
      paymentId: str(r.payment_id),
      amount: money(r.amount, r.currency),
      status: str(r.status),
      ids: { paymentId: str(r.payment_id), orderId: str(p.order_id) },
    },
    {
      status: full ? 'refunded' : 'partially_refunded',
      refundedAmount: money(p.amount_refunded, p.currency ?? r.currency),
    },
  );
}

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const type = str(e.event) ?? '';
  const payload = obj(e.payload);
  const entity: Entity = (name) => obj(obj(payload[name]).entity);
  const time = byEventTime(isoFrom(e.created_at));
  const mk = (...[t, objectType, id, fields]: DraftArgs) =>
    finish(input, { type: t, object: { type: objectType, id: str(id) }, ...time, fields });

  const paymentType = PAYMENT[type];
  if (paymentType) {
    const p = entity('payment');
    return mk(paymentType, 'payment', p.id, {
      status: str(p.status),
      customerId: str(p.customer_id),
      amount: money(p.amount, p.currency),
      failureReason: type === 'payment.failed' ? (str(p.error_code) ?? str(p.error_description)) : undefined,
      ids: { paymentId: str(p.id), orderId: str(p.order_id), invoiceId: str(p.invoice_id) },
    });
  }
  const refundState = REFUND_STATE[type];
  if (refundState) return refundEvent(input, time, refundState, entity);
  if (type === 'order.paid') {
    const o = entity('order');
    return mk('checkout.completed', 'checkout', o.id, {
      status: str(o.status),
      amount: money(o.amount_paid ?? o.amount, o.currency),
      ids: { orderId: str(o.id), paymentId: str(entity('payment').id), receipt: str(o.receipt) },
    });
  }
  const s = entity('subscription');
  const subType = subscriptionType(type, s);
  if (subType) {
    return mk(subType, 'subscription', s.id, {
      status: str(s.status),
      customerId: str(s.customer_id),
      planId: str(s.plan_id),
      currentPeriodEnd: isoFrom(s.current_end),
      ids: { subscriptionId: str(s.id), planId: str(s.plan_id) },
    });
  }
  const invoiceType = INVOICE[type];
  if (invoiceType) {
    const inv = entity('invoice');
    const paid = invoiceType !== 'invoice.payment_failed';
    return mk(invoiceType, 'invoice', inv.id, {
      status: str(inv.status),
      customerId: str(inv.customer_id),
      amount: money(paid ? inv.amount_paid : inv.amount_due, inv.currency),
      ids: {
        invoiceId: str(inv.id),
        subscriptionId: str(inv.subscription_id),
        paymentId: str(inv.payment_id),
        orderId: str(inv.order_id),
      },
    });
  }
  if (type.startsWith('payment.dispute.')) {
    const d = entity('dispute');
    const stage = type.slice('payment.dispute.'.length);
    const opened = stage === 'created';
    const closed = stage === 'won' || stage === 'lost' || stage === 'closed';
    if (!opened && !closed) return [];
    return mk(opened ? 'dispute.opened' : 'dispute.closed', 'dispute', d.id, {
      status: str(d.status),
      amount: money(d.amount, d.currency),
      reason: str(d.reason_code),
      paymentId: str(d.payment_id),
      outcome: opened ? undefined : stage === 'won' ? 'won' : stage === 'lost' ? 'lost' : 'unknown',
      ids: { disputeId: str(d.id), paymentId: str(d.payment_id) },
    });
  }
  return [];
};

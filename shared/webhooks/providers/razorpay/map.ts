/**
 * Razorpay. Order: the event's `created_at` (seconds), then rank, then the event id
 * (`x-razorpay-event-id`). Entities carry no version.
 */

import { byEventTime, type DraftArgs, finish, type Mapper } from '../../../payments/mapping.js';
import type { PaymentType } from '../../../payments/model.js';
import { isoFrom, money, obj, str } from '../../../payments/util.js';

const SUBSCRIPTION: Record<string, PaymentType> = {
  'subscription.activated': 'subscription.created',
  'subscription.authenticated': 'subscription.created',
  'subscription.charged': 'subscription.updated',
  'subscription.updated': 'subscription.updated',
  'subscription.pending': 'subscription.updated',
  'subscription.halted': 'subscription.updated',
  'subscription.paused': 'subscription.updated',
  'subscription.resumed': 'subscription.updated',
  'subscription.cancelled': 'subscription.canceled',
  'subscription.completed': 'subscription.canceled',
};

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const type = str(e.event) ?? '';
  const payload = obj(e.payload);
  const entity = (name: string) => obj(obj(payload[name]).entity);
  const time = byEventTime(isoFrom(e.created_at));
  const mk = (...[t, objectType, id, fields]: DraftArgs) =>
    finish(input, { type: t, object: { type: objectType, id: str(id) }, ...time, fields });

  if (type === 'payment.captured' || type === 'payment.failed') {
    const p = entity('payment');
    return mk(type === 'payment.captured' ? 'payment.succeeded' : 'payment.failed', 'payment', p.id, {
      status: str(p.status),
      customerId: str(p.customer_id),
      amount: money(p.amount, p.currency),
      failureReason: type === 'payment.failed' ? (str(p.error_code) ?? str(p.error_description)) : undefined,
      ids: { paymentId: str(p.id), orderId: str(p.order_id), invoiceId: str(p.invoice_id) },
    });
  }
  if (type === 'refund.processed') {
    const r = entity('refund');
    return mk('payment.refunded', 'payment', r.payment_id, {
      status: 'refunded',
      amount: money(r.amount, r.currency),
      refundId: str(r.id),
      ids: { paymentId: str(r.payment_id), refundId: str(r.id) },
    });
  }
  if (type === 'order.paid') {
    const o = entity('order');
    return mk('checkout.completed', 'checkout', o.id, {
      status: str(o.status),
      amount: money(o.amount_paid ?? o.amount, o.currency),
      ids: { orderId: str(o.id), paymentId: str(entity('payment').id), receipt: str(o.receipt) },
    });
  }
  const subType = SUBSCRIPTION[type];
  if (subType) {
    const s = entity('subscription');
    return mk(subType, 'subscription', s.id, {
      status: str(s.status),
      customerId: str(s.customer_id),
      planId: str(s.plan_id),
      currentPeriodEnd: isoFrom(s.current_end),
      ids: { subscriptionId: str(s.id), planId: str(s.plan_id) },
    });
  }
  if (type === 'invoice.paid' || type === 'invoice.expired') {
    const inv = entity('invoice');
    const paid = type === 'invoice.paid';
    return mk(paid ? 'invoice.paid' : 'invoice.payment_failed', 'invoice', inv.id, {
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
      outcome: opened ? undefined : stage === 'won' ? 'won' : stage === 'lost' ? 'lost' : 'unknown',
      ids: { disputeId: str(d.id), paymentId: str(d.payment_id) },
    });
  }
  return [];
};

/**
 * Square. Order: the object's integer `version` where Square sends one (subscription, invoice,
 * dispute); otherwise the object's `updated_at`, falling back to the event's `created_at`.
 */

import { type Draft, finish, type Mapper } from '../../../payments/mapping.js';
import type { MappedEvent, PaymentType } from '../../../payments/model.js';
import { arr, isoFrom, money, obj, str } from '../../../payments/util.js';

interface Ctx {
  type: string;
  dataObj: Record<string, unknown>;
  mk: (
    t: PaymentType,
    objectType: Draft['object']['type'],
    o: Record<string, unknown>,
    id: unknown,
    fields: Record<string, unknown>,
  ) => MappedEvent[];
}

/** Payments and refunds; undefined for other types. */
function paymentEvents({ type, dataObj, mk }: Ctx): MappedEvent[] | undefined {
  if (type === 'payment.created' || type === 'payment.updated') {
    const p = obj(dataObj.payment);
    const status = str(p.status);
    const t: PaymentType | undefined =
      status === 'COMPLETED'
        ? 'payment.succeeded'
        : status === 'FAILED' || status === 'CANCELED'
          ? 'payment.failed'
          : undefined;
    if (!t) return [];
    const m = obj(p.total_money ?? p.amount_money);
    return mk(t, 'payment', p, p.id, {
      status,
      customerId: str(p.customer_id),
      amount: money(m.amount, m.currency),
      ids: { paymentId: str(p.id), orderId: str(p.order_id), locationId: str(p.location_id) },
    });
  }
  if (type === 'refund.created' || type === 'refund.updated') {
    const r = obj(dataObj.refund);
    if (r.status !== 'COMPLETED') return [];
    const m = obj(r.amount_money);
    return mk('payment.refunded', 'payment', r, r.payment_id, {
      status: 'REFUNDED',
      amount: money(m.amount, m.currency),
      refundId: str(r.id),
      ids: { paymentId: str(r.payment_id), refundId: str(r.id), orderId: str(r.order_id) },
    });
  }
  return undefined;
}

/** Subscriptions, invoices, disputes; nothing (raw) for other types. */
function billingEvents({ type, dataObj, mk }: Ctx): MappedEvent[] {
  if (type === 'subscription.created' || type === 'subscription.updated') {
    const s = obj(dataObj.subscription);
    const status = str(s.status);
    const t: PaymentType =
      type === 'subscription.created'
        ? 'subscription.created'
        : status === 'CANCELED'
          ? 'subscription.canceled'
          : 'subscription.updated';
    return mk(t, 'subscription', s, s.id, {
      status,
      customerId: str(s.customer_id),
      planId: str(s.plan_variation_id ?? s.plan_id),
      currentPeriodEnd: isoFrom(s.charged_through_date),
      ids: { subscriptionId: str(s.id), locationId: str(s.location_id) },
    });
  }
  if (type === 'invoice.payment_made' || type === 'invoice.scheduled_charge_failed') {
    const inv = obj(dataObj.invoice);
    const req = obj(arr(inv.payment_requests)[0]);
    const m = obj(req.total_completed_amount_money ?? req.computed_amount_money);
    const ok = type === 'invoice.payment_made';
    return mk(ok ? 'invoice.paid' : 'invoice.payment_failed', 'invoice', inv, inv.id, {
      status: str(inv.status),
      customerId: str(obj(inv.primary_recipient).customer_id),
      amount: money(m.amount, m.currency),
      ids: { invoiceId: str(inv.id), orderId: str(inv.order_id), subscriptionId: str(inv.subscription_id) },
    });
  }
  if (type === 'dispute.created' || type === 'dispute.state.updated' || type === 'dispute.state.changed') {
    const d = obj(dataObj.dispute);
    const state = str(d.state);
    const closed = state === 'WON' || state === 'LOST' || state === 'ACCEPTED';
    if (type !== 'dispute.created' && !closed) return [];
    const m = obj(d.amount_money);
    return mk(closed ? 'dispute.closed' : 'dispute.opened', 'dispute', d, d.id ?? d.dispute_id, {
      status: state,
      amount: money(m.amount, m.currency),
      reason: str(d.reason),
      outcome: closed ? (state?.toLowerCase() as 'won' | 'lost' | 'accepted') : undefined,
      ids: { disputeId: str(d.id ?? d.dispute_id), paymentId: str(obj(d.disputed_payment).payment_id) },
    });
  }
  return [];
}

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const type = str(e.type) ?? '';
  const data = obj(e.data);
  const dataObj = obj(data.object);
  const occurredAt = isoFrom(e.created_at);
  const orderFor = (o: Record<string, unknown>): Draft['order'] =>
    typeof o.version === 'number'
      ? { version: o.version }
      : isoFrom(o.updated_at)
        ? { timeIso: isoFrom(o.updated_at)! }
        : occurredAt
          ? { timeIso: occurredAt }
          : undefined;
  const mk: Ctx['mk'] = (t, objectType, o, id, fields) =>
    finish(input, {
      type: t,
      object: { type: objectType, id: str(id) },
      occurredAt,
      order: orderFor(o),
      fields,
    });
  const c: Ctx = { type, dataObj, mk };
  return paymentEvents(c) ?? billingEvents(c);
};

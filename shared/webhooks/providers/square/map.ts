/**
 * Square. One ordering rule per object kind, never another object's counter: a payment orders
 * by its `updated_at` (its refunds reach it through payment.updated, which carries
 * `refunded_money`); a refund, subscription, invoice and dispute by their own integer `version`
 * (an event without it goes raw rather than compare a time with a version). Ties go by the
 * state's lifecycle rank. docs/payments.md lists what is mapped and what goes raw.
 */

import { type Draft, finish, type Mapper, type MapperInput } from '../../../payments/mapping.js';
import type { MappedEvent, ObjectType, PaymentType } from '../../../payments/model.js';
import { arr, isoFrom, money, obj, str, sumMoney } from '../../../payments/util.js';

interface Ctx {
  type: string;
  dataObj: Record<string, unknown>;
  mk: (
    t: PaymentType,
    objectType: ObjectType,
    o: Record<string, unknown>,
    fields: Record<string, unknown>,
  ) => MappedEvent[];
}

const moneyOf = (m: unknown) => money(obj(m).amount, obj(m).currency);

const PAYMENT_STATUS: Record<string, PaymentType> = {
  APPROVED: 'payment.authorized',
  PENDING: 'payment.processing',
  COMPLETED: 'payment.succeeded',
  CANCELED: 'payment.canceled',
  FAILED: 'payment.failed',
};

/**
 * A payment.updated on a COMPLETED payment that adds `processing_fee` at least a second after the
 * capture (`card_details.card_payment_timeline.captured_at`): Square adds fees after completion, so
 * this is no new transition. A capture that already carries its fees has `updated_at` at the capture.
 */
function feeUpdate(type: string, p: Record<string, unknown>): boolean {
  if (type !== 'payment.updated' || p.status !== 'COMPLETED' || arr(p.processing_fee).length === 0)
    return false;
  const captured = Date.parse(str(obj(obj(p.card_details).card_payment_timeline).captured_at) ?? '');
  const updated = Date.parse(str(p.updated_at) ?? '');
  return !(updated - captured < 1000);
}

/** A payment's state: with `refunded_money` it is refunded (fully once it covers `total_money`). */
function paymentType(type: string, p: Record<string, unknown>): PaymentType | undefined {
  const refunded = moneyOf(p.refunded_money);
  if (refunded && refunded.amount > 0) return 'payment.refunded';
  return feeUpdate(type, p) ? undefined : PAYMENT_STATUS[str(p.status) ?? ''];
}

function paymentEvent({ type, dataObj, mk }: Ctx): MappedEvent[] {
  const p = obj(dataObj.payment);
  const t = paymentType(type, p);
  if (!t) return [];
  const total = moneyOf(p.total_money ?? p.amount_money);
  const refunded = moneyOf(p.refunded_money);
  const full = refunded && total && refunded.amount >= total.amount;
  return mk(t, 'payment', p, {
    status: t === 'payment.refunded' ? (full ? 'refunded' : 'partially_refunded') : str(p.status),
    customerId: str(p.customer_id),
    // On payment.refunded `amount` is one refund's; Square's payment names only the cumulative.
    amount: t === 'payment.refunded' ? undefined : total,
    refundedAmount: t === 'payment.refunded' ? refunded : undefined,
    ids: { paymentId: str(p.id), orderId: str(p.order_id), locationId: str(p.location_id) },
  });
}

const REFUND_STATUS: Record<string, PaymentType> = {
  PENDING: 'refund.pending',
  COMPLETED: 'refund.succeeded',
  FAILED: 'refund.failed',
  REJECTED: 'refund.failed',
};

function refundEvent({ dataObj, mk }: Ctx): MappedEvent[] {
  const r = obj(dataObj.refund);
  const t = REFUND_STATUS[str(r.status) ?? ''];
  if (!t) return [];
  return mk(t, 'refund', r, {
    status: str(r.status),
    amount: moneyOf(r.amount_money),
    paymentId: str(r.payment_id),
    failureReason: t === 'refund.failed' ? str(r.reason) : undefined,
    ids: { refundId: str(r.id), paymentId: str(r.payment_id), orderId: str(r.order_id) },
  });
}

function subscriptionEvent({ type, dataObj, mk }: Ctx): MappedEvent[] {
  const s = obj(dataObj.subscription);
  const status = str(s.status);
  // An active subscription with a `canceled_date` ends on that date.
  const t: PaymentType =
    status === 'CANCELED'
      ? 'subscription.canceled'
      : status === 'ACTIVE' && s.canceled_date
        ? 'subscription.cancel_scheduled'
        : status === 'PAUSED'
          ? 'subscription.paused'
          : type === 'subscription.created'
            ? 'subscription.created'
            : 'subscription.updated';
  return mk(t, 'subscription', s, {
    status,
    customerId: str(s.customer_id),
    planId: str(s.plan_variation_id ?? s.plan_id),
    currentPeriodEnd: isoFrom(s.charged_through_date),
    cancelAt: status === 'ACTIVE' ? isoFrom(s.canceled_date) : undefined,
    ids: { subscriptionId: str(s.id), locationId: str(s.location_id) },
  });
}

/** Σ of the completed amounts of the invoice's payment requests (deposit + balance…). */
const completed = (requests: Record<string, unknown>[]) =>
  sumMoney(requests.map((r) => moneyOf(r.total_completed_amount_money ?? r.computed_amount_money)));

function invoiceEvent({ type, dataObj, mk }: Ctx): MappedEvent[] {
  const inv = obj(dataObj.invoice);
  const requests = arr(inv.payment_requests).map(obj);
  const t: PaymentType =
    type === 'invoice.scheduled_charge_failed'
      ? 'invoice.payment_failed'
      : inv.status === 'PAID'
        ? 'invoice.paid'
        : 'invoice.partially_paid';
  return mk(t, 'invoice', inv, {
    status: str(inv.status),
    customerId: str(obj(inv.primary_recipient).customer_id),
    amount:
      t === 'invoice.payment_failed' ? moneyOf(requests[0]?.computed_amount_money) : completed(requests),
    ids: { invoiceId: str(inv.id), orderId: str(inv.order_id), subscriptionId: str(inv.subscription_id) },
  });
}

function disputeEvent({ type, dataObj, mk }: Ctx): MappedEvent[] {
  const d = obj(dataObj.dispute);
  const state = str(d.state);
  const closed = state === 'WON' || state === 'LOST' || state === 'ACCEPTED';
  if (type !== 'dispute.created' && !closed) return [];
  const paymentId = str(obj(d.disputed_payment).payment_id);
  return mk(
    closed ? 'dispute.closed' : 'dispute.opened',
    'dispute',
    { ...d, id: d.id ?? d.dispute_id },
    {
      status: state,
      amount: moneyOf(d.amount_money),
      paymentId,
      reason: str(d.reason),
      outcome: closed ? (state?.toLowerCase() as 'won' | 'lost' | 'accepted') : undefined,
      ids: { disputeId: str(d.id ?? d.dispute_id), paymentId },
    },
  );
}

const HANDLERS: Record<string, (c: Ctx) => MappedEvent[]> = {
  'payment.created': paymentEvent,
  'payment.updated': paymentEvent,
  'refund.created': refundEvent,
  'refund.updated': refundEvent,
  'subscription.created': subscriptionEvent,
  'subscription.updated': subscriptionEvent,
  'invoice.payment_made': invoiceEvent,
  'invoice.scheduled_charge_failed': invoiceEvent,
  'dispute.created': disputeEvent,
  'dispute.state.updated': disputeEvent,
  'dispute.state.changed': disputeEvent,
};

/** The object kind's one ordering basis; undefined when the object lacks it (the event goes raw). */
function basis(
  objectType: ObjectType,
  o: Record<string, unknown>,
  eventTime: string | undefined,
): Draft['order'] {
  if (objectType !== 'payment') return typeof o.version === 'number' ? { version: o.version } : undefined;
  const t = isoFrom(o.updated_at) ?? eventTime;
  return t ? { timeIso: t } : undefined;
}

export const map: Mapper = (input: MapperInput) => {
  const e = obj(input.body);
  const type = str(e.type) ?? '';
  const occurredAt = isoFrom(e.created_at);
  const mk: Ctx['mk'] = (t, objectType, o, fields) => {
    const order = basis(objectType, o, occurredAt);
    if (!order) return [];
    return finish(input, { type: t, object: { type: objectType, id: str(o.id) }, occurredAt, order, fields });
  };
  return HANDLERS[type]?.({ type, dataObj: obj(obj(e.data).object), mk }) ?? [];
};

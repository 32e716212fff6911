/**
 * Stripe. Order, for every object kind: the event's `created` (seconds), then the state's
 * lifecycle rank; Stripe objects carry no version number and retries arrive out of order, so
 * event creation time is the only basis Stripe documents. Amounts: Stripe's minor units with its
 * own exponents (ISK two-decimal, MGA zero-decimal), converted to ISO 4217. docs/payments.md
 * lists which types are mapped and which go raw.
 */

import {
  byEventTime,
  type Draft,
  type DraftArgs,
  finish,
  type Mapper,
  type MapperInput,
} from '../../../payments/mapping.js';
import type { MappedEvent, PaymentType } from '../../../payments/model.js';
import { arr, isoFrom, money as isoMoney, obj, str, sumMoney } from '../../../payments/util.js';

const idOf = (v: unknown) => str(v) ?? str(obj(v).id);
const money = (amount: unknown, currency: unknown) => isoMoney(amount, currency, 'stripe');

interface Ctx {
  input: MapperInput;
  type: string;
  o: Record<string, unknown>;
  previous: Record<string, unknown>;
  draft: (...args: DraftArgs) => Draft;
}

const PAYMENT_INTENT: Record<string, PaymentType> = {
  'payment_intent.succeeded': 'payment.succeeded',
  'payment_intent.payment_failed': 'payment.failed',
  'payment_intent.canceled': 'payment.canceled',
  'payment_intent.processing': 'payment.processing',
  'payment_intent.amount_capturable_updated': 'payment.authorized',
};

function paymentIntentEvents({ input, type, o, draft }: Ctx): MappedEvent[] {
  const t = PAYMENT_INTENT[type]!;
  const amount =
    t === 'payment.succeeded'
      ? (o.amount_received ?? o.amount)
      : t === 'payment.authorized'
        ? (o.amount_capturable ?? o.amount)
        : o.amount;
  const err = obj(o.last_payment_error);
  return finish(
    input,
    draft(t, 'payment', o.id, {
      amount: money(amount, o.currency),
      ids: { paymentIntentId: str(o.id), chargeId: idOf(o.latest_charge), invoiceId: idOf(o.invoice) },
      failureReason: t === 'payment.failed' ? (str(err.code) ?? str(err.message)) : undefined,
      reason: t === 'payment.canceled' ? str(o.cancellation_reason) : undefined,
    }),
  );
}

/** charge.refunded: the payment's cumulative refund, and the newest refund where the list is included. */
function chargeRefunded({ input, o, draft }: Ctx): MappedEvent[] {
  const latest = obj(arr(obj(o.refunds).data)[0]);
  // A refunded charge keeps `status: succeeded`; `refunded` is true only once fully refunded.
  return finish(
    input,
    draft('payment.refunded', 'payment', o.payment_intent ?? o.id, {
      status: o.refunded === true ? 'refunded' : 'partially_refunded',
      refundedAmount: money(o.amount_refunded, o.currency),
      amount: money(latest.amount, latest.currency ?? o.currency),
      refundId: str(latest.id),
      ids: { chargeId: str(o.id), paymentIntentId: idOf(o.payment_intent), refundId: str(latest.id) },
    }),
  );
}

const REFUND_STATUS: Record<string, PaymentType> = {
  pending: 'refund.pending',
  requires_action: 'refund.pending',
  succeeded: 'refund.succeeded',
  failed: 'refund.failed',
  canceled: 'refund.failed',
};

/** refund.* and charge.refund.updated: the refund object; a failed refund also returns to the payment. */
function refundEvents({ input, o, draft }: Ctx): MappedEvent[] {
  const t = REFUND_STATUS[str(o.status) ?? ''];
  if (!t) return [];
  const paymentId = idOf(o.payment_intent) ?? idOf(o.charge);
  const fields = {
    amount: money(o.amount, o.currency),
    failureReason: t === 'refund.failed' ? str(o.failure_reason) : undefined,
    ids: { refundId: str(o.id), chargeId: idOf(o.charge), paymentIntentId: idOf(o.payment_intent) },
  };
  const own = finish(input, draft(t, 'refund', o.id, { ...fields, paymentId }));
  if (o.status !== 'failed') return own;
  return [
    ...own,
    ...finish(
      input,
      draft('payment.refund_failed', 'payment', paymentId, { ...fields, refundId: str(o.id) }),
    ),
  ];
}

const CHECKOUT: Record<string, PaymentType> = {
  'checkout.session.async_payment_succeeded': 'checkout.completed',
  'checkout.session.async_payment_failed': 'checkout.payment_failed',
  'checkout.session.expired': 'checkout.expired',
};

function checkoutEvents({ input, type, o, draft }: Ctx): MappedEvent[] {
  // A completed session with `payment_status: unpaid` waits for a delayed-notification method.
  const t =
    CHECKOUT[type] ?? (o.payment_status === 'unpaid' ? 'checkout.awaiting_payment' : 'checkout.completed');
  return finish(
    input,
    draft(t, 'checkout', o.id, {
      amount: money(o.amount_total, o.currency),
      ids: {
        checkoutSessionId: str(o.id),
        paymentIntentId: idOf(o.payment_intent),
        subscriptionId: idOf(o.subscription),
        invoiceId: idOf(o.invoice),
      },
    }),
  );
}

/** Payments, refunds, checkout; undefined for other types. */
function paymentEvents(c: Ctx): MappedEvent[] | undefined {
  if (c.type in PAYMENT_INTENT) return paymentIntentEvents(c);
  if (c.type === 'charge.refunded') return chargeRefunded(c);
  if (c.type.startsWith('refund.') || c.type === 'charge.refund.updated') return refundEvents(c);
  if (c.type === 'checkout.session.completed' || c.type in CHECKOUT) return checkoutEvents(c);
  return undefined;
}

const scheduled = (s: Record<string, unknown>) =>
  s.cancel_at_period_end === true || typeof s.cancel_at === 'number';

/** What a customer.subscription.updated means, from the object and its `previous_attributes`. */
function subscriptionUpdate(o: Record<string, unknown>, previous: Record<string, unknown>): PaymentType {
  if (o.status === 'canceled') return 'subscription.canceled';
  if (scheduled(o)) return 'subscription.cancel_scheduled';
  const wasScheduled = previous.cancel_at_period_end === true || typeof previous.cancel_at === 'number';
  const recovered = ['past_due', 'unpaid', 'paused'].includes(str(previous.status) ?? '');
  return o.status === 'active' && (wasScheduled || recovered)
    ? 'subscription.reactivated'
    : 'subscription.updated';
}

const SUBSCRIPTION: Record<string, PaymentType> = {
  'customer.subscription.created': 'subscription.created',
  'customer.subscription.deleted': 'subscription.canceled',
  'customer.subscription.paused': 'subscription.paused',
  'customer.subscription.resumed': 'subscription.reactivated',
};

/** Σ unit price × quantity over the items, when they share one currency. */
const periodAmount = (items: Record<string, unknown>[]) =>
  sumMoney(
    items.map((i) => {
      const price = obj(i.price);
      const m = money(price.unit_amount, price.currency);
      return (
        m && { amount: m.amount * (typeof i.quantity === 'number' ? i.quantity : 1), currency: m.currency }
      );
    }),
  );

function subscriptionEvents({ input, type, o, previous, draft }: Ctx): MappedEvent[] {
  const t = SUBSCRIPTION[type] ?? subscriptionUpdate(o, previous);
  const items = arr(obj(o.items).data).map(obj);
  const price = obj(items[0]?.price);
  return finish(
    input,
    draft(t, 'subscription', o.id, {
      amount: periodAmount(items),
      planId: str(price.id),
      quantity: items.length === 1 && typeof items[0]!.quantity === 'number' ? items[0]!.quantity : undefined,
      currentPeriodEnd: isoFrom(o.current_period_end ?? items[0]?.current_period_end),
      cancelAtPeriodEnd: typeof o.cancel_at_period_end === 'boolean' ? o.cancel_at_period_end : undefined,
      cancelAt: isoFrom(o.cancel_at),
      ids: { subscriptionId: str(o.id), priceId: str(price.id), latestInvoiceId: idOf(o.latest_invoice) },
    }),
  );
}

function invoiceEvents({ input, type, o, draft }: Ctx): MappedEvent[] {
  const ok = type === 'invoice.paid';
  const parentSub = obj(obj(o.parent).subscription_details).subscription;
  // API 2025-03-31.basil moved the payment intent to the invoice's InvoicePayments.
  const payment = obj(obj(arr(obj(o.payments).data)[0]).payment);
  return finish(
    input,
    draft(ok ? 'invoice.paid' : 'invoice.payment_failed', 'invoice', o.id, {
      amount: money(ok ? o.amount_paid : o.amount_due, o.currency),
      ids: {
        invoiceId: str(o.id),
        subscriptionId: idOf(o.subscription) ?? idOf(parentSub),
        paymentIntentId: idOf(o.payment_intent) ?? idOf(payment.payment_intent),
        chargeId: idOf(o.charge) ?? idOf(payment.charge),
      },
    }),
  );
}

function disputeEvents({ input, type, o, draft }: Ctx): MappedEvent[] {
  const opened = type === 'charge.dispute.created';
  const status = str(o.status);
  return finish(
    input,
    draft(opened ? 'dispute.opened' : 'dispute.closed', 'dispute', o.id, {
      amount: money(o.amount, o.currency),
      paymentId: idOf(o.payment_intent) ?? idOf(o.charge),
      reason: str(o.reason),
      outcome: opened ? undefined : status === 'won' ? 'won' : status === 'lost' ? 'lost' : 'unknown',
      ids: { disputeId: str(o.id), chargeId: idOf(o.charge), paymentIntentId: idOf(o.payment_intent) },
    }),
  );
}

/** Subscriptions, invoices, disputes; nothing (raw) for other types. */
function billingEvents(c: Ctx): MappedEvent[] {
  if (c.type.startsWith('customer.subscription.') && c.type !== 'customer.subscription.trial_will_end')
    return subscriptionEvents(c);
  if (c.type === 'invoice.paid' || c.type === 'invoice.payment_failed') return invoiceEvents(c);
  if (c.type === 'charge.dispute.created' || c.type === 'charge.dispute.closed') return disputeEvents(c);
  return [];
}

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const data = obj(e.data);
  const o = obj(data.object);
  const type = str(e.type) ?? '';
  const time = byEventTime(isoFrom(e.created));
  const draft = (...[t, objectType, id, fields]: DraftArgs): Draft => ({
    type: t,
    object: { type: objectType, id: idOf(id) },
    ...time,
    fields: { status: str(o.status), customerId: idOf(o.customer), ...fields },
  });
  const c: Ctx = { input, type, o, previous: obj(data.previous_attributes), draft };
  return paymentEvents(c) ?? billingEvents(c);
};

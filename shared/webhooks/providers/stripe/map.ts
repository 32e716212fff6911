/**
 * Stripe. Order: the event's `created` (seconds), then lifecycle rank, then event id. Stripe
 * objects carry no version number, and retries may arrive out of order, so event creation time is
 * the best ordering basis Stripe documents.
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
import { isoFrom, money, obj, str } from '../../../payments/util.js';

const idOf = (v: unknown) => str(v) ?? str(obj(v).id);

interface Ctx {
  input: MapperInput;
  type: string;
  o: Record<string, unknown>;
  draft: (...args: DraftArgs) => Draft;
}

/** Payments, refunds, checkout; undefined for other types. */
function paymentEvents({ input, type, o, draft }: Ctx): MappedEvent[] | undefined {
  switch (type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed': {
      const ok = type === 'payment_intent.succeeded';
      const amount = money(ok ? (o.amount_received ?? o.amount) : o.amount, o.currency);
      const err = obj(o.last_payment_error);
      return finish(
        input,
        draft(ok ? 'payment.succeeded' : 'payment.failed', 'payment', o.id, {
          amount,
          ids: { paymentIntentId: str(o.id), chargeId: idOf(o.latest_charge), invoiceId: idOf(o.invoice) },
          failureReason: ok ? undefined : (str(err.code) ?? str(err.message)),
        }),
      );
    }
    case 'charge.refunded': {
      const refunds = obj(o.refunds);
      const last = obj((Array.isArray(refunds.data) ? refunds.data : [])[0]);
      // A refunded charge keeps `status: succeeded`; `refunded` is true only once fully refunded.
      return finish(
        input,
        draft('payment.refunded', 'payment', o.payment_intent ?? o.id, {
          status: o.refunded === true ? 'refunded' : 'partially_refunded',
          amount: money(o.amount_refunded, o.currency),
          refundId: str(last.id),
          ids: { chargeId: str(o.id), paymentIntentId: idOf(o.payment_intent) },
        }),
      );
    }
    case 'checkout.session.completed':
      return finish(
        input,
        draft('checkout.completed', 'checkout', o.id, {
          amount: money(o.amount_total, o.currency),
          ids: {
            checkoutSessionId: str(o.id),
            paymentIntentId: idOf(o.payment_intent),
            subscriptionId: idOf(o.subscription),
            invoiceId: idOf(o.invoice),
          },
        }),
      );
    default:
      return undefined;
  }
}

/** Subscriptions, invoices, disputes; nothing (raw) for other types. */
function billingEvents({ input, type, o, draft }: Ctx): MappedEvent[] {
  switch (type) {
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const t: PaymentType =
        type === 'customer.subscription.created'
          ? 'subscription.created'
          : type === 'customer.subscription.deleted'
            ? 'subscription.canceled'
            : 'subscription.updated';
      const item = obj((Array.isArray(obj(o.items).data) ? (obj(o.items).data as unknown[]) : [])[0]);
      const price = obj(item.price);
      const periodEnd = o.current_period_end ?? item.current_period_end;
      return finish(
        input,
        draft(t, 'subscription', o.id, {
          amount: money(price.unit_amount, price.currency ?? o.currency),
          planId: str(price.id),
          currentPeriodEnd: isoFrom(periodEnd),
          cancelAtPeriodEnd: typeof o.cancel_at_period_end === 'boolean' ? o.cancel_at_period_end : undefined,
          ids: { subscriptionId: str(o.id), priceId: str(price.id), latestInvoiceId: idOf(o.latest_invoice) },
        }),
      );
    }
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const ok = type === 'invoice.paid';
      const parentSub = obj(obj(o.parent).subscription_details).subscription;
      return finish(
        input,
        draft(ok ? 'invoice.paid' : 'invoice.payment_failed', 'invoice', o.id, {
          amount: money(ok ? o.amount_paid : o.amount_due, o.currency),
          ids: {
            invoiceId: str(o.id),
            subscriptionId: idOf(o.subscription) ?? idOf(parentSub),
            paymentIntentId: idOf(o.payment_intent),
          },
        }),
      );
    }
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const opened = type === 'charge.dispute.created';
      const status = str(o.status);
      return finish(
        input,
        draft(opened ? 'dispute.opened' : 'dispute.closed', 'dispute', o.id, {
          amount: money(o.amount, o.currency),
          reason: str(o.reason),
          outcome: opened ? undefined : status === 'won' ? 'won' : status === 'lost' ? 'lost' : 'unknown',
          ids: { disputeId: str(o.id), chargeId: idOf(o.charge), paymentIntentId: idOf(o.payment_intent) },
        }),
      );
    }
    default:
      return [];
  }
}

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const o = obj(obj(e.data).object);
  const type = str(e.type) ?? '';
  const time = byEventTime(isoFrom(e.created));
  const draft = (...[t, objectType, id, fields]: DraftArgs): Draft => ({
    type: t,
    object: { type: objectType, id: idOf(id) },
    ...time,
    fields: { status: str(o.status), customerId: idOf(o.customer), ...fields },
  });
  const c: Ctx = { input, type, o, draft };
  return paymentEvents(c) ?? billingEvents(c);
};

/**
 * Paddle Billing. Order: the notification's `occurred_at` (microsecond RFC 3339), then rank,
 * then event id; Paddle documents occurred_at as the way to order events.
 */

import { finish, type Mapper } from '../../../payments/mapping.js';
import type { PaymentType } from '../../../payments/model.js';
import { arr, isoFrom, money, obj, str } from '../../../payments/util.js';

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const d = obj(e.data);
  const type = str(e.event_type) ?? '';
  const occurredAt = isoFrom(e.occurred_at);
  // Date keeps milliseconds only; Paddle's microseconds still order events within one millisecond.
  const micro = Number(/\.\d{3}(\d{3})/.exec(String(e.occurred_at ?? ''))?.[1] ?? '0');
  const order = occurredAt ? { version: Date.parse(occurredAt) * 1000 + micro } : undefined;
  const providerEventId = str(e.event_id);
  const common = { status: str(d.status), customerId: str(d.customer_id) };
  switch (type) {
    case 'transaction.completed':
    case 'transaction.payment_failed': {
      const ok = type === 'transaction.completed';
      const totals = obj(obj(d.details).totals);
      return finish(input, {
        type: ok ? 'payment.succeeded' : 'payment.failed',
        object: { type: 'payment', id: str(d.id) },
        occurredAt,
        order,
        providerEventId,
        fields: {
          ...common,
          amount: money(totals.grand_total ?? totals.total, d.currency_code),
          ids: {
            transactionId: str(d.id),
            subscriptionId: str(d.subscription_id),
            invoiceId: str(d.invoice_id),
          },
        },
      });
    }
    case 'adjustment.created':
    case 'adjustment.updated': {
      if (d.action !== 'refund' || d.status !== 'approved') return [];
      return finish(input, {
        type: 'payment.refunded',
        object: { type: 'payment', id: str(d.transaction_id) },
        occurredAt,
        order,
        providerEventId,
        fields: {
          ...common,
          amount: money(obj(d.totals).total, d.currency_code ?? obj(d.totals).currency_code),
          refundId: str(d.id),
          ids: {
            transactionId: str(d.transaction_id),
            adjustmentId: str(d.id),
            subscriptionId: str(d.subscription_id),
          },
        },
      });
    }
    case 'subscription.created':
    case 'subscription.updated':
    case 'subscription.canceled': {
      const t = type as PaymentType;
      const item = obj(arr(d.items)[0]);
      const price = obj(item.price);
      return finish(input, {
        type: t,
        object: { type: 'subscription', id: str(d.id) },
        occurredAt,
        order,
        providerEventId,
        fields: {
          ...common,
          amount: money(obj(price.unit_price).amount, obj(price.unit_price).currency_code ?? d.currency_code),
          planId: str(price.id),
          currentPeriodEnd: isoFrom(obj(d.current_billing_period).ends_at),
          cancelAtPeriodEnd: obj(d.scheduled_change).action === 'cancel' ? true : undefined,
          ids: { subscriptionId: str(d.id), priceId: str(price.id), addressId: str(d.address_id) },
        },
      });
    }
    default:
      return [];
  }
};

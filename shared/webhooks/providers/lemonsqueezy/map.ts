/**
 * Lemon Squeezy. Order: the object's `attributes.updated_at`, then the lifecycle rank.
 * Lemon Squeezy sends no event id or event time; `meta.event_name` names the event.
 * docs/payments.md lists what is mapped and why.
 */

import { finish, type Mapper } from '../../../payments/mapping.js';
import type { ObjectType, PaymentType } from '../../../payments/model.js';
import { isoFrom, money, obj, str } from '../../../payments/util.js';

const TYPES: Record<string, [PaymentType, ObjectType]> = {
  order_created: ['payment.succeeded', 'payment'],
  order_refunded: ['payment.refunded', 'payment'],
  subscription_created: ['subscription.created', 'subscription'],
  subscription_updated: ['subscription.updated', 'subscription'],
  // Cancelled = the grace period until ends_at; it can still be resumed. Expired = ended.
  subscription_cancelled: ['subscription.cancel_scheduled', 'subscription'],
  subscription_resumed: ['subscription.reactivated', 'subscription'],
  subscription_expired: ['subscription.canceled', 'subscription'],
  subscription_paused: ['subscription.paused', 'subscription'],
  subscription_unpaused: ['subscription.reactivated', 'subscription'],
  subscription_payment_success: ['invoice.paid', 'invoice'],
  subscription_payment_recovered: ['invoice.paid', 'invoice'],
  subscription_payment_failed: ['invoice.payment_failed', 'invoice'],
};

/** subscription_updated is sent with every change: its status word says which state it is. */
const BY_STATUS: Record<string, PaymentType> = {
  cancelled: 'subscription.cancel_scheduled',
  expired: 'subscription.canceled',
  paused: 'subscription.paused',
};

/** An order's refund: `refunded_amount` is the running total; the status says partial or full. */
const refundFields = (a: Record<string, unknown>) => ({
  status: a.status === 'refunded' ? 'refunded' : 'partially_refunded',
  refundedAmount: money(a.refunded_amount, a.currency),
});

function subscriptionFields(a: Record<string, unknown>) {
  const cancelled = a.cancelled === true;
  return {
    planId: str(a.variant_id),
    quantity: obj(a.first_subscription_item).quantity,
    currentPeriodEnd: isoFrom(cancelled ? a.ends_at : (a.renews_at ?? a.ends_at)),
    cancelAtPeriodEnd: typeof a.cancelled === 'boolean' ? cancelled : undefined,
    cancelAt: cancelled ? isoFrom(a.ends_at) : undefined,
  };
}

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const name = str(obj(e.meta).event_name) ?? '';
  const hit = TYPES[name];
  if (!hit) return [];
  const [named, objectType] = hit;
  const data = obj(e.data);
  const a = obj(data.attributes);
  if (named === 'payment.succeeded' && a.status !== 'paid') return [];
  const type = name === 'subscription_updated' ? (BY_STATUS[str(a.status) ?? ''] ?? named) : named;
  const updated = isoFrom(a.updated_at) ?? isoFrom(a.created_at);
  const id = str(data.id);
  return finish(input, {
    type,
    object: { type: objectType, id },
    occurredAt: updated,
    order: updated ? { timeIso: updated } : undefined,
    fields: {
      status: str(a.status),
      customerId: str(a.customer_id),
      amount:
        objectType === 'subscription' || type === 'payment.refunded' ? undefined : money(a.total, a.currency),
      ...(type === 'payment.refunded' ? refundFields(a) : {}),
      ...(objectType === 'subscription' ? subscriptionFields(a) : {}),
      ids: {
        [objectType === 'payment'
          ? 'orderId'
          : objectType === 'invoice'
            ? 'subscriptionInvoiceId'
            : 'subscriptionId']: id,
        orderId: objectType === 'payment' ? id : str(a.order_id),
        subscriptionId: objectType === 'subscription' ? id : str(a.subscription_id),
        storeId: str(a.store_id),
      },
    },
  });
};

/**
 * Lemon Squeezy. Order: the object's `attributes.updated_at`, then rank, then the event id.
 * Lemon Squeezy sends no event id or event time; `meta.event_name` names the event.
 */

import { type Draft, finish, type Mapper } from '../../../payments/mapping.js';
import type { PaymentType } from '../../../payments/model.js';
import { isoFrom, money, obj, str } from '../../../payments/util.js';

const TYPES: Record<string, [PaymentType, Draft['object']['type']]> = {
  order_created: ['payment.succeeded', 'payment'],
  order_refunded: ['payment.refunded', 'payment'],
  subscription_created: ['subscription.created', 'subscription'],
  subscription_updated: ['subscription.updated', 'subscription'],
  subscription_cancelled: ['subscription.canceled', 'subscription'],
  subscription_expired: ['subscription.canceled', 'subscription'],
  subscription_payment_success: ['invoice.paid', 'invoice'],
  subscription_payment_failed: ['invoice.payment_failed', 'invoice'],
};

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const name = str(obj(e.meta).event_name) ?? '';
  const hit = TYPES[name];
  if (!hit) return [];
  const [type, objectType] = hit;
  const data = obj(e.data);
  const a = obj(data.attributes);
  if (type === 'payment.succeeded' && a.status !== 'paid') return [];
  const updated = isoFrom(a.updated_at) ?? isoFrom(a.created_at);
  const currency = a.currency;
  const amount =
    type === 'payment.refunded'
      ? money(a.refunded_amount, currency)
      : objectType === 'subscription'
        ? undefined
        : money(a.total, currency);
  return finish(input, {
    type,
    object: { type: objectType, id: str(data.id) },
    occurredAt: updated,
    order: updated ? { timeIso: updated } : undefined,
    fields: {
      status: str(a.status),
      customerId: str(a.customer_id),
      amount,
      planId: objectType === 'subscription' ? str(a.variant_id) : undefined,
      currentPeriodEnd: objectType === 'subscription' ? isoFrom(a.renews_at ?? a.ends_at) : undefined,
      cancelAtPeriodEnd:
        objectType === 'subscription' && typeof a.cancelled === 'boolean' ? a.cancelled : undefined,
      ids: {
        [objectType === 'payment'
          ? 'orderId'
          : objectType === 'invoice'
            ? 'subscriptionInvoiceId'
            : 'subscriptionId']: str(data.id),
        orderId: objectType === 'payment' ? str(data.id) : str(a.order_id),
        subscriptionId: objectType === 'subscription' ? str(data.id) : str(a.subscription_id),
        storeId: str(a.store_id),
      },
    },
  });
};

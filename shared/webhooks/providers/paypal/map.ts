/**
 * PayPal. Order: the resource's `update_time` (falling back to its `create_time`, then the
 * event's `create_time`), then rank, then the event id. PayPal documents no event sequence.
 */

import { type Draft, finish, type Mapper, type MapperInput } from '../../../payments/mapping.js';
import type { MappedEvent, ObjectType, PaymentType } from '../../../payments/model.js';
import { arr, decimalMoney, isoFrom, obj, str } from '../../../payments/util.js';

const TYPES: Record<string, [PaymentType, Draft['object']['type']]> = {
  'PAYMENT.CAPTURE.COMPLETED': ['payment.succeeded', 'payment'],
  'PAYMENT.CAPTURE.DENIED': ['payment.failed', 'payment'],
  'PAYMENT.CAPTURE.DECLINED': ['payment.failed', 'payment'],
  'PAYMENT.CAPTURE.REFUNDED': ['payment.refunded', 'payment'],
  'CHECKOUT.ORDER.COMPLETED': ['checkout.completed', 'checkout'],
  'CHECKOUT.ORDER.APPROVED': ['checkout.completed', 'checkout'],
  'BILLING.SUBSCRIPTION.CREATED': ['subscription.created', 'subscription'],
  'BILLING.SUBSCRIPTION.ACTIVATED': ['subscription.updated', 'subscription'],
  'BILLING.SUBSCRIPTION.UPDATED': ['subscription.updated', 'subscription'],
  'BILLING.SUBSCRIPTION.SUSPENDED': ['subscription.updated', 'subscription'],
  'BILLING.SUBSCRIPTION.CANCELLED': ['subscription.canceled', 'subscription'],
  'BILLING.SUBSCRIPTION.EXPIRED': ['subscription.canceled', 'subscription'],
  'BILLING.SUBSCRIPTION.PAYMENT.FAILED': ['invoice.payment_failed', 'subscription'],
  'CUSTOMER.DISPUTE.CREATED': ['dispute.opened', 'dispute'],
  'CUSTOMER.DISPUTE.RESOLVED': ['dispute.closed', 'dispute'],
};

const linkId = (r: Record<string, unknown>, rel: string) => {
  const href = str(obj(arr(r.links).find((l) => obj(l).rel === rel)).href);
  return href ? href.split('/').pop() : undefined;
};

interface Ctx {
  input: MapperInput;
  type: PaymentType;
  objectType: ObjectType;
  r: Record<string, unknown>;
  base: Pick<Draft, 'occurredAt' | 'order' | 'type'>;
  amt: (m: unknown) => ReturnType<typeof decimalMoney>;
}

/** Subscriptions (and their failed payments) and disputes. */
function billingEvents({ input, type, objectType, r, base, amt }: Ctx): MappedEvent[] {
  switch (objectType) {
    case 'subscription': {
      const last = obj(obj(r.billing_info).last_payment);
      if (type === 'invoice.payment_failed') {
        // PayPal sends the subscription, not an invoice: key the failure on the subscription.
        return finish(input, {
          ...base,
          object: { type: 'invoice', id: str(r.id) },
          fields: {
            status: str(r.status),
            customerId: str(obj(r.subscriber).payer_id),
            amount: amt(obj(r.billing_info).outstanding_balance),
            ids: { subscriptionId: str(r.id) },
          },
        });
      }
      return finish(input, {
        ...base,
        object: { type: 'subscription', id: str(r.id) },
        fields: {
          status: str(r.status),
          customerId: str(obj(r.subscriber).payer_id),
          amount: amt(last.amount),
          planId: str(r.plan_id),
          currentPeriodEnd: isoFrom(obj(r.billing_info).next_billing_time),
          ids: { subscriptionId: str(r.id), planId: str(r.plan_id) },
        },
      });
    }
    default: {
      const outcome = str(obj(r.dispute_outcome).outcome_code);
      return finish(input, {
        ...base,
        object: { type: 'dispute', id: str(r.dispute_id) },
        fields: {
          status: str(r.status),
          amount: amt(r.dispute_amount),
          reason: str(r.reason),
          outcome:
            type === 'dispute.opened'
              ? undefined
              : outcome === 'RESOLVED_SELLER_FAVOUR'
                ? 'won'
                : outcome === 'RESOLVED_BUYER_FAVOUR'
                  ? 'lost'
                  : 'unknown',
          ids: {
            disputeId: str(r.dispute_id),
            transactionId: str(obj(arr(r.disputed_transactions)[0]).seller_transaction_id),
          },
        },
      });
    }
  }
}

export const map: Mapper = (input) => {
  const e = obj(input.body);
  const hit = TYPES[str(e.event_type) ?? ''];
  if (!hit) return [];
  const [type, objectType] = hit;
  const r = obj(e.resource);
  const occurredAt = isoFrom(e.create_time);
  const resourceTime = isoFrom(r.update_time) ?? isoFrom(r.create_time) ?? occurredAt;
  const order = resourceTime ? { timeIso: resourceTime } : undefined;
  const amt = (m: unknown) => decimalMoney(obj(m).value, obj(m).currency_code);
  const base = { occurredAt, order, type };
  switch (objectType) {
    case 'payment': {
      const refund = type === 'payment.refunded';
      const captureId = refund ? linkId(r, 'up') : str(r.id);
      const related = obj(obj(r.supplementary_data).related_ids);
      return finish(input, {
        ...base,
        object: { type: 'payment', id: captureId },
        fields: {
          status: str(r.status),
          amount: amt(r.amount),
          refundId: refund ? str(r.id) : undefined,
          ids: {
            captureId,
            refundId: refund ? str(r.id) : undefined,
            orderId: str(related.order_id),
          } as Record<string, string>,
        },
      });
    }
    case 'checkout': {
      const unit = obj(arr(r.purchase_units)[0]);
      return finish(input, {
        ...base,
        object: { type: 'checkout', id: str(r.id) },
        fields: {
          status: str(r.status),
          customerId: str(obj(r.payer).payer_id),
          amount: amt(unit.amount),
          ids: { orderId: str(r.id) },
        },
      });
    }
    default:
      return billingEvents({ input, type, objectType, r, base, amt });
  }
};

import { describe, expect, it } from 'vitest';
import {
  type LsSubscription,
  lsOrderEvent,
  lsSubscriptionEvent,
} from '../../fixtures/payments/lemonsqueezy.js';
import { bothOrders, type Delivery, event } from '../../support/payment-events.js';

const ls = (name: string, s: LsSubscription): Delivery => ({
  provider: 'lemonsqueezy',
  type: name,
  body: lsSubscriptionEvent(name, s),
});
const T = '2026-04-10T12:00:00.000000Z';
const SUB = 'subscription/1';

describe('lemon squeezy cancellation (#17 case 6)', () => {
  it('subscription_cancelled is a cancel scheduled for the period end (grace period), not an ended subscription', () => {
    expect(event(ls('subscription_cancelled', { status: 'cancelled', updatedAt: T }))).toMatchObject({
      type: 'subscription.cancel_scheduled',
      object: { type: 'subscription', id: '1' },
      status: 'cancelled',
      cancelAtPeriodEnd: true,
      cancelAt: '2026-05-31T00:00:00.000Z',
      currentPeriodEnd: '2026-05-31T00:00:00.000Z',
      quantity: 5,
    });
  });
  it('subscription_expired is the subscription ended', () => {
    expect(event(ls('subscription_expired', { status: 'expired', updatedAt: T }))).toMatchObject({
      type: 'subscription.canceled',
      status: 'expired',
    });
  });
  it('subscription_resumed (back from the grace period) is a reactivation', () => {
    expect(event(ls('subscription_resumed', { status: 'active', updatedAt: T }))).toMatchObject({
      type: 'subscription.reactivated',
      object: { id: '1' },
      status: 'active',
      cancelAtPeriodEnd: false,
    });
  });
  it('subscription_updated reads its status word: cancelled is a scheduled cancel too', () => {
    expect(event(ls('subscription_updated', { status: 'cancelled', updatedAt: T })).type).toBe(
      'subscription.cancel_scheduled',
    );
    expect(event(ls('subscription_updated', { status: 'active', updatedAt: T })).type).toBe(
      'subscription.updated',
    );
  });
});

describe('lemon squeezy order (#17 case 10)', () => {
  it('subscription_updated and subscription_cancelled for one change (same updated_at) agree, in either order', async () => {
    const s = { status: 'cancelled', updatedAt: T } as const;
    const [fwd, back] = await bothOrders(
      [ls('subscription_updated', s), ls('subscription_cancelled', s)],
      SUB,
    );
    for (const x of [fwd, back])
      expect(x).toMatchObject({ status: 'cancelled', lastType: 'subscription.cancel_scheduled' });
  });
  it('an expiry delivered before the cancellation it follows still ends expired', async () => {
    const cancelled = ls('subscription_cancelled', { status: 'cancelled', updatedAt: T });
    const expired = ls('subscription_expired', {
      status: 'expired',
      updatedAt: '2026-05-31T00:00:05.000000Z',
    });
    const [fwd, back] = await bothOrders([cancelled, expired], SUB);
    for (const x of [fwd, back])
      expect(x).toMatchObject({ status: 'expired', lastType: 'subscription.canceled' });
  });
});

describe('lemon squeezy refunds', () => {
  const order = (name: string, status: string, refunded: number, at: string): Delivery => ({
    provider: 'lemonsqueezy',
    type: name,
    body: lsOrderEvent(name, status, refunded, at),
  });
  it.each([
    ['partial_refund', 300, 'partially_refunded'],
    ['refunded', 1199, 'refunded'],
  ])(
    'order_refunded with status %s (refunded %i) reads %s with the refunded total',
    (status, total, state) => {
      expect(event(order('order_refunded', status, total, T))).toMatchObject({
        type: 'payment.refunded',
        object: { type: 'payment', id: '1' },
        status: state,
        refundedAmount: { amount: total, currency: 'USD' },
      });
    },
  );
  it('an order paid and refunded in the same second ends refunded, in either order', async () => {
    const [fwd, back] = await bothOrders(
      [order('order_created', 'paid', 0, T), order('order_refunded', 'refunded', 1199, T)],
      'payment/1',
    );
    for (const x of [fwd, back])
      expect(x).toMatchObject({ status: 'refunded', lastType: 'payment.refunded' });
  });
});

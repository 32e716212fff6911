import { describe, expect, it } from 'vitest';
import { type LsSubscription, lsSubscriptionEvent } from '../../fixtures/payments/lemonsqueezy.js';
import { bothOrders, type Delivery, event } from '../../support/payment-events.js';

const ls = (name: string, s: LsSubscription): Delivery => ({
  provider: 'lemonsqueezy',
  type: name,
  eventId: `${name}#${s.updatedAt}`,
  body: lsSubscriptionEvent(name, s),
});
const T = '2026-04-10T12:00:00.000000Z';
const SUB = 'lemonsqueezy#subscription#1';

describe('lemon squeezy cancellation (#17 case 6)', () => {
  it('subscription_cancelled is a cancel scheduled for the period end (grace period), not an ended subscription', () => {
    const e = event(ls('subscription_cancelled', { status: 'cancelled', updatedAt: T }));
    expect(e.type).not.toBe('subscription.canceled');
    expect(e).toMatchObject({
      object: { type: 'subscription', id: '1' },
      status: 'cancelled',
      cancelAtPeriodEnd: true,
      currentPeriodEnd: '2026-05-31T00:00:00.000Z',
    });
  });
  it('subscription_expired is the subscription ended', () => {
    expect(event(ls('subscription_expired', { status: 'expired', updatedAt: T }))).toMatchObject({
      type: 'subscription.canceled',
      status: 'expired',
    });
  });
  it('subscription_resumed (back from the grace period) is a reactivation', () => {
    const e = event(ls('subscription_resumed', { status: 'active', updatedAt: T }));
    expect(e).toMatchObject({ object: { id: '1' }, status: 'active', cancelAtPeriodEnd: false });
    expect(e.type).not.toBe('subscription.created');
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
      expect(x).toMatchObject({ status: 'cancelled', lastType: event(ls('subscription_cancelled', s)).type });
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

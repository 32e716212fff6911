import { describe, expect, it } from 'vitest';
import { paymentCaptured, refundEvent, subscriptionEvent } from '../../fixtures/payments/razorpay.js';
import { bothOrders, type Delivery, event, eventOf, kindOf, mapped } from '../../support/payment-events.js';

const rz = (body: { event: string }): Delivery => ({
  provider: 'razorpay',
  type: body.event,
  body,
});
const T = 1_767_100_000;
const PAY = 'payment/pay_29QQoUBi66xm2f';
const SUB = 'subscription/sub_8RlLljfA4AnDVx';

describe('razorpay refunds (#17 case 7)', () => {
  const partial = refundEvent(
    'refund.processed',
    'rfnd_1',
    20000,
    { amountRefunded: 20000, refundStatus: 'partial' },
    T,
  );
  const full = refundEvent(
    'refund.processed',
    'rfnd_2',
    30000,
    { amountRefunded: 50000, refundStatus: 'full' },
    T + 5,
  );
  it('a partial refund.processed is partially_refunded, with its own amount and the running total', () => {
    expect(mapped(rz(partial)).map((m) => m.event.type)).toEqual(['refund.succeeded', 'payment.refunded']);
    expect(eventOf(rz(partial), 'refund.succeeded')).toMatchObject({
      object: { type: 'refund', id: 'rfnd_1' },
      paymentId: 'pay_29QQoUBi66xm2f',
      status: 'processed',
      amount: { amount: 20000, currency: 'INR' },
    });
    expect(eventOf(rz(partial), 'payment.refunded')).toMatchObject({
      type: 'payment.refunded',
      object: { type: 'payment', id: 'pay_29QQoUBi66xm2f' },
      status: 'partially_refunded',
      refundId: 'rfnd_1',
      amount: { amount: 20000, currency: 'INR' },
      refundedAmount: { amount: 20000, currency: 'INR' },
    });
  });
  it('the refund that completes the payment is refunded', () => {
    expect(eventOf(rz(full), 'payment.refunded')).toMatchObject({
      status: 'refunded',
      amount: { amount: 30000 },
      refundedAmount: { amount: 50000 },
    });
  });
  it('refund.failed is mapped (not raw): the refund failed, the payment was never refunded by it', () => {
    const failed = refundEvent(
      'refund.failed',
      'rfnd_3',
      10000,
      { amountRefunded: 0, refundStatus: null },
      T,
    );
    expect(kindOf(rz(failed))).toBe('payment');
    expect(event(rz(failed))).toMatchObject({
      type: 'refund.failed',
      object: { type: 'refund', id: 'rfnd_3' },
      paymentId: 'pay_29QQoUBi66xm2f',
      status: 'failed',
      amount: { amount: 10000, currency: 'INR' },
    });
  });
  it('refund.created is the refund pending; the payment is not refunded yet', () => {
    const created = refundEvent(
      'refund.created',
      'rfnd_4',
      10000,
      { amountRefunded: 0, refundStatus: null },
      T,
    );
    expect(event(rz(created))).toMatchObject({
      type: 'refund.pending',
      object: { type: 'refund', id: 'rfnd_4' },
      paymentId: 'pay_29QQoUBi66xm2f',
      status: 'pending',
    });
  });
  it('a capture and a partial refund in the same second end partially_refunded, in either order', async () => {
    const sameSecond = refundEvent(
      'refund.processed',
      'rfnd_1',
      20000,
      { amountRefunded: 20000, refundStatus: 'partial' },
      T,
    );
    const [fwd, back] = await bothOrders([rz(paymentCaptured(T)), rz(sameSecond)], PAY);
    for (const s of [fwd, back]) expect(s).toMatchObject({ status: 'partially_refunded' });
  });
});

describe('razorpay reactivation (#17 case 7)', () => {
  it('subscription.activated after a halt is a reactivation, not a new subscription', () => {
    expect(event(rz(subscriptionEvent('subscription.activated', 'active', T)))).toMatchObject({
      type: 'subscription.reactivated',
      object: { type: 'subscription', id: 'sub_8RlLljfA4AnDVx' },
      status: 'active',
      planId: 'plan_8RlLiKQ5ByQJgv',
    });
  });
  it('the first subscription.activated (first cycle, upfront charge paid) is the subscription going active, not a reactivation', () => {
    expect(event(rz(subscriptionEvent('subscription.activated', 'active', T, 'first')))).toMatchObject({
      type: 'subscription.updated',
      status: 'active',
    });
  });
  it('halted then activated in the same second ends active, in either order; a later halt still wins', async () => {
    const halted = rz(subscriptionEvent('subscription.halted', 'halted', T));
    const activated = rz(subscriptionEvent('subscription.activated', 'active', T));
    const [fwd, back] = await bothOrders([halted, activated], SUB);
    for (const s of [fwd, back]) expect(s).toMatchObject({ status: 'active' });
    const haltedLater = rz(subscriptionEvent('subscription.halted', 'halted', T + 1));
    const [fwd2, back2] = await bothOrders([activated, haltedLater], SUB);
    for (const s of [fwd2, back2]) expect(s).toMatchObject({ status: 'halted' });
  });
});

import { describe, expect, it } from 'vitest';
import {
  adjustment,
  type PaddleAdjustment,
  subscriptionUpdated,
  transactionCompleted,
} from '../../fixtures/payments/paddle.js';
import { bothOrders, type Delivery, event, eventOf, mapped } from '../../support/payment-events.js';

const pd = (body: { event_type: string }): Delivery => ({
  provider: 'paddle',
  type: body.event_type,
  body,
});
const TXN = 'txn_01hv8wptq8987qeep44cyrewp9';
const adj = (
  a: PaddleAdjustment,
  at: string,
  type: 'adjustment.created' | 'adjustment.updated' = 'adjustment.updated',
) => pd(adjustment(type, a, at));
const T0 = '2026-04-12T10:18:49.621022Z';
const T1 = '2026-04-13T08:00:00.000001Z';

describe('paddle refund adjustments (#17 case 9)', () => {
  it.each([
    ['partial', '2000', 'partially_refunded'],
    ['full', '6000', 'refunded'],
  ] as const)('an approved %s refund of %s reads %s, not the adjustment status', (type, total, status) => {
    const d = adj({ id: 'adj_1', action: 'refund', type, status: 'approved', total }, T1);
    expect(mapped(d).map((m) => m.event.type)).toEqual(['refund.succeeded', 'payment.refunded']);
    expect(eventOf(d, 'refund.succeeded')).toMatchObject({
      object: { type: 'refund', id: 'adj_1' },
      paymentId: TXN,
      status: 'approved',
    });
    expect(eventOf(d, 'payment.refunded')).toMatchObject({
      type: 'payment.refunded',
      object: { type: 'payment', id: TXN },
      status,
      refundId: 'adj_1',
      amount: { amount: Number(total), currency: 'USD' },
    });
  });
  it('the transaction ends refunded after its refund, in either delivery order', async () => {
    const refund = adj(
      { id: 'adj_1', action: 'refund', type: 'full', status: 'approved', total: '6000' },
      T1,
    );
    const [fwd, back] = await bothOrders([pd(transactionCompleted(T0)), refund], `payment/${TXN}`);
    for (const s of [fwd, back])
      expect(s).toMatchObject({ status: 'refunded', lastType: 'payment.refunded' });
  });
  it('a completion and a refund at the same microsecond end refunded, in either order', async () => {
    const refund = adj(
      { id: 'adj_1', action: 'refund', type: 'partial', status: 'approved', total: '2000' },
      T0,
    );
    const [fwd, back] = await bothOrders([pd(transactionCompleted(T0)), refund], `payment/${TXN}`);
    for (const s of [fwd, back]) expect(s).toMatchObject({ status: 'partially_refunded' });
  });
  it('a refund Paddle rejected is a failed refund that never touched the transaction', () => {
    const rejected = adj(
      { id: 'adj_3', action: 'refund', type: 'full', status: 'rejected', total: '6000' },
      T1,
    );
    expect(event(rejected)).toMatchObject({
      type: 'refund.failed',
      object: { type: 'refund', id: 'adj_3' },
      paymentId: TXN,
      status: 'rejected',
    });
  });
  it('an approved refund later reversed fails the refund and gives the transaction its money back', () => {
    const reversed = adj(
      { id: 'adj_4', action: 'refund', type: 'full', status: 'reversed', total: '6000' },
      T1,
    );
    expect(mapped(reversed).map((m) => m.event.type)).toEqual(['refund.failed', 'payment.refund_failed']);
    expect(eventOf(reversed, 'payment.refund_failed')).toMatchObject({
      object: { id: TXN },
      refundId: 'adj_4',
    });
  });
  it('a refund still awaiting approval is a pending refund, not a refund of the transaction', () => {
    const pending = adj(
      { id: 'adj_2', action: 'refund', status: 'pending_approval', total: '6000' },
      T1,
      'adjustment.created',
    );
    expect(event(pending)).toMatchObject({
      type: 'refund.pending',
      object: { type: 'refund', id: 'adj_2' },
      paymentId: TXN,
    });
  });
});

describe('paddle chargebacks (#17 case 9)', () => {
  const chargeback = adj(
    { id: 'adj_cb', action: 'chargeback', status: 'approved', total: '6000', reason: 'fraudulent' },
    T1,
    'adjustment.created',
  );
  const reverse = adj(
    { id: 'adj_cbr', action: 'chargeback_reverse', status: 'approved', total: '6000' },
    '2026-05-01T00:00:00.000000Z',
    'adjustment.created',
  );
  it('a chargeback adjustment opens a dispute on the transaction', () => {
    expect(event(chargeback)).toMatchObject({
      type: 'dispute.opened',
      // Paddle gives a chargeback no dispute id: the dispute is the transaction's.
      object: { type: 'dispute', id: TXN },
      paymentId: TXN,
      status: 'chargeback',
      amount: { amount: 6000, currency: 'USD' },
      reason: 'fraudulent',
      ids: { transactionId: TXN, adjustmentId: 'adj_cb' },
    });
  });
  it('a chargeback warning opens it too', () => {
    const warning = adj(
      { id: 'adj_cbw', action: 'chargeback_warning', status: 'approved', total: '6000' },
      T0,
      'adjustment.created',
    );
    expect(event(warning)).toMatchObject({ type: 'dispute.opened', ids: { transactionId: TXN } });
  });
  it('a chargeback reversal closes the same dispute, won, in either delivery order', async () => {
    expect(event(reverse)).toMatchObject({
      type: 'dispute.closed',
      outcome: 'won',
      object: event(chargeback).object,
    });
    const [fwd, back] = await bothOrders([chargeback, reverse], `dispute/${event(chargeback).object.id}`);
    for (const s of [fwd, back]) expect(s).toMatchObject({ lastType: 'dispute.closed' });
  });
});

describe('paddle subscriptions', () => {
  it('a scheduled cancel is cancel_scheduled with its date, and the amount is unit price x quantity', () => {
    expect(event(pd(subscriptionUpdated(T1, '2026-05-12T10:18:47.293Z')))).toMatchObject({
      type: 'subscription.cancel_scheduled',
      status: 'active',
      cancelAtPeriodEnd: true,
      cancelAt: '2026-05-12T10:18:47.293Z',
      quantity: 3,
      amount: { amount: 9000, currency: 'USD' },
    });
    expect(event(pd(subscriptionUpdated(T1))).type).toBe('subscription.updated');
  });
});

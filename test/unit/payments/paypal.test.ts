import { describe, expect, it } from 'vitest';
import {
  approvalReversed,
  captureCompleted,
  captureRefund,
  disputeResolved,
  orderApproved,
  saleCompleted,
  saleRefund,
} from '../../fixtures/payments/paypal.js';
import { bothOrders, type Delivery, event, eventOf, kindOf, mapped } from '../../support/payment-events.js';

const pp = (body: { event_type: string }): Delivery => ({
  provider: 'paypal',
  type: body.event_type,
  body,
});
const T = '2026-04-01T10:00:00Z';
const T1 = '2026-04-01T10:00:01Z';

describe('paypal checkout approval (#17 case 3)', () => {
  it('CHECKOUT.ORDER.APPROVED is an approval awaiting capture, not a completed checkout', () => {
    expect(event(pp(orderApproved('ORDER-1', T)))).toMatchObject({
      type: 'checkout.awaiting_payment',
      object: { type: 'checkout', id: 'ORDER-1' },
      status: 'APPROVED',
      amount: { amount: 4999, currency: 'USD' },
    });
  });
  it('CHECKOUT.PAYMENT-APPROVAL.REVERSED is mapped onto the same order', () => {
    expect(kindOf(pp(approvalReversed('ORDER-1', T1)))).toBe('payment');
    expect(event(pp(approvalReversed('ORDER-1', T1)))).toMatchObject({
      type: 'checkout.payment_failed',
      object: { type: 'checkout', id: 'ORDER-1' },
      occurredAt: '2026-04-01T10:00:01.000Z',
    });
  });
  it('the reversal wins over the approval in the same second and out of order', async () => {
    for (const reversedAt of [T, T1]) {
      const [fwd, back] = await bothOrders(
        [pp(orderApproved('ORDER-1', T)), pp(approvalReversed('ORDER-1', reversedAt))],
        'checkout/ORDER-1',
      );
      for (const s of [fwd, back]) expect(s?.lastType).toBe('checkout.payment_failed');
    }
  });
});

describe('paypal capture refunds (#17 case 3)', () => {
  const refund1 = captureRefund('PAYMENT.CAPTURE.REFUNDED', 'REF-1', 'CAP-1', '20.00', '20.00', T1);
  const refund2 = captureRefund(
    'PAYMENT.CAPTURE.REFUNDED',
    'REF-2',
    'CAP-1',
    '29.99',
    '49.99',
    '2026-04-01T10:00:02Z',
  );
  it('a refund carries its own amount and id, the running total, and a refund status (not COMPLETED)', () => {
    expect(mapped(pp(refund1)).map((m) => m.event.type)).toEqual(['refund.succeeded', 'payment.refunded']);
    expect(eventOf(pp(refund1), 'refund.succeeded')).toMatchObject({
      object: { type: 'refund', id: 'REF-1' },
      paymentId: 'CAP-1',
      status: 'COMPLETED',
      amount: { amount: 2000, currency: 'USD' },
    });
    const e = eventOf(pp(refund1), 'payment.refunded');
    // PayPal's refund does not restate the capture's amount, so full and partial look alike: no status.
    expect(e.status).toBeUndefined();
    expect(e).toMatchObject({
      type: 'payment.refunded',
      object: { type: 'payment', id: 'CAP-1' },
      refundId: 'REF-1',
      amount: { amount: 2000, currency: 'USD' },
      refundedAmount: { amount: 2000, currency: 'USD' },
      ids: { captureId: 'CAP-1', refundId: 'REF-1' },
    });
  });
  it('the capture carries the latest refunded total, not COMPLETED, after each refund, in any delivery order', async () => {
    const capture = pp(captureCompleted('CAP-1', '49.99', T));
    const [fwd1, back1] = await bothOrders([capture, pp(refund1)], 'payment/CAP-1');
    for (const s of [fwd1, back1])
      expect(s).toMatchObject({
        lastType: 'payment.refunded',
        event: { refundId: 'REF-1', refundedAmount: { amount: 2000 } },
      });
    for (const s of [fwd1, back1]) expect(s?.status).toBeUndefined();
    const [fwd2, back2] = await bothOrders([capture, pp(refund1), pp(refund2)], 'payment/CAP-1');
    for (const s of [fwd2, back2])
      expect(s).toMatchObject({
        event: { refundId: 'REF-2', amount: { amount: 2999 }, refundedAmount: { amount: 4999 } },
      });
  });
  it('a capture and its refund in the same second end refunded, in either order', async () => {
    const same = captureRefund('PAYMENT.CAPTURE.REFUNDED', 'REF-3', 'CAP-1', '49.99', '49.99', T);
    const [fwd, back] = await bothOrders(
      [pp(captureCompleted('CAP-1', '49.99', T)), pp(same)],
      'payment/CAP-1',
    );
    for (const s of [fwd, back])
      expect(s).toMatchObject({ lastType: 'payment.refunded', event: { refundedAmount: { amount: 4999 } } });
  });
  it('a refund still PENDING is the refund object only: the capture is not refunded yet', () => {
    const pending = captureRefund(
      'PAYMENT.CAPTURE.REFUNDED',
      'REF-P',
      'CAP-1',
      '20.00',
      '0.00',
      T1,
      'PENDING',
    );
    expect(event(pp(pending))).toMatchObject({
      type: 'refund.pending',
      object: { type: 'refund', id: 'REF-P' },
      paymentId: 'CAP-1',
    });
  });
  it('PAYMENT.CAPTURE.REVERSED (PayPal took the money back) is mapped onto the capture', () => {
    const e = eventOf(
      pp(captureRefund('PAYMENT.CAPTURE.REVERSED', 'REV-1', 'CAP-1', '49.99', '49.99', T1)),
      'payment.refunded',
    );
    expect(e).toMatchObject({ type: 'payment.refunded', object: { id: 'CAP-1' }, refundId: 'REV-1' });
  });
});

describe('paypal subscription sales (#17 case 3)', () => {
  it('PAYMENT.SALE.COMPLETED is the subscription invoice paid, and the sale a captured payment', () => {
    const events = mapped(pp(saleCompleted('SALE-1', 'I-SUB1', '14.55', T))).map((m) => m.event);
    expect(events.find((e) => e.type === 'invoice.paid')).toMatchObject({
      object: { type: 'invoice', id: 'SALE-1' },
      amount: { amount: 1455, currency: 'USD' },
      ids: { saleId: 'SALE-1', subscriptionId: 'I-SUB1' },
    });
    expect(events.find((e) => e.type === 'payment.succeeded')).toMatchObject({
      object: { type: 'payment', id: 'SALE-1' },
      amount: { amount: 1455, currency: 'USD' },
    });
  });
  it.each([
    ['PAYMENT.SALE.REFUNDED', 'REF-S1'],
    ['PAYMENT.SALE.REVERSED', 'REV-S1'],
  ] as const)('%s is a refund of the sale', (type, id) => {
    expect(eventOf(pp(saleRefund(type, id, 'SALE-1', '4.55', '4.55', T1)), 'payment.refunded')).toMatchObject(
      {
        type: 'payment.refunded',
        object: { type: 'payment', id: 'SALE-1' },
        refundId: id,
        amount: { amount: 455, currency: 'USD' },
        refundedAmount: { amount: 455, currency: 'USD' },
      },
    );
  });
});

describe('paypal dispute outcomes (#17 case 3)', () => {
  it.each([
    ['RESOLVED_SELLER_FAVOUR', 'won'],
    ['RESOLVED_BUYER_FAVOUR', 'lost'],
    ['ACCEPTED', 'accepted'],
    ['CANCELED_BY_BUYER', 'won'],
    ['RESOLVED_WITH_PAYOUT', 'won'],
  ])('%s reads %s', (code, outcome) => {
    expect(event(pp(disputeResolved('PP-D-1', code, T)))).toMatchObject({
      type: 'dispute.closed',
      object: { type: 'dispute', id: 'PP-D-1' },
      outcome,
    });
  });
});

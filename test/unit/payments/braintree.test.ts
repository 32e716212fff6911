import { describe, expect, it } from 'vitest';
import {
  btGateway,
  btNotification,
  btSubscriptionXml,
  btTransactionXml,
} from '../../fixtures/payments/braintree.js';
import { bothOrders, type Delivery, event, eventOf, mapped } from '../../support/payment-events.js';

const delivery = (kind: string, timestamp: string, subject: string): Delivery => ({
  provider: 'braintree',
  type: kind,
  body: btNotification(kind, timestamp, subject).form,
});

const sale = btTransactionXml({ id: 'tx_sale', type: 'sale', amount: '100.00' });
const refund = btTransactionXml({
  id: 'tx_refund',
  type: 'credit',
  amount: '40.00',
  refundedTransactionId: 'tx_sale',
});
const T = '2026-03-03T02:00:00Z';

describe('braintree fixtures', () => {
  it('are notifications the Braintree SDK itself parses', async () => {
    const n = btNotification('transaction_settled', T, refund);
    const parsed = await btGateway.webhookNotification.parse(n.signature, n.payload);
    expect(parsed.kind).toBe('transaction_settled');
    expect(parsed.transaction).toMatchObject({
      id: 'tx_refund',
      type: 'credit',
      amount: '40.00',
      refundedTransactionId: 'tx_sale',
    });
  });
});

describe('braintree refunds (#17 case 2)', () => {
  it('a settled credit is a refund of the sale it names, with its own id and a positive amount', () => {
    const d = delivery('transaction_settled', T, refund);
    expect(mapped(d).map((m) => m.event.type)).toEqual(['refund.succeeded', 'payment.refunded']);
    expect(eventOf(d, 'refund.succeeded')).toMatchObject({
      object: { type: 'refund', id: 'tx_refund' },
      paymentId: 'tx_sale',
      status: 'settled',
      amount: { amount: 4000, currency: 'USD' },
    });
    const e = eventOf(d, 'payment.refunded');
    expect(e).toMatchObject({
      type: 'payment.refunded',
      object: { type: 'payment', id: 'tx_sale' },
      refundId: 'tx_refund',
      amount: { amount: 4000, currency: 'USD' },
      ids: { transactionId: 'tx_sale', refundId: 'tx_refund' },
    });
    // The credit does not restate the sale's amount: in part or in whole, it does not say.
    expect(e.status).toBeUndefined();
  });
  it('a declined credit is a failed refund (it never applied), not a failed payment', () => {
    const declined = btTransactionXml({
      id: 'tx_refund',
      type: 'credit',
      amount: '40.00',
      refundedTransactionId: 'tx_sale',
      status: 'settlement_declined',
    });
    expect(event(delivery('transaction_settlement_declined', T, declined))).toMatchObject({
      type: 'refund.failed',
      object: { type: 'refund', id: 'tx_refund' },
      paymentId: 'tx_sale',
      status: 'settlement_declined',
    });
  });
  it('a settled sale is still a captured payment', () => {
    expect(event(delivery('transaction_settled', T, sale))).toMatchObject({
      type: 'payment.succeeded',
      object: { id: 'tx_sale' },
      amount: { amount: 10000, currency: 'USD' },
    });
  });
  it('a sale and its refund settled in the same second end refunded, in either delivery order', async () => {
    const [fwd, back] = await bothOrders(
      [delivery('transaction_settled', T, sale), delivery('transaction_settled', T, refund)],
      'payment/tx_sale',
    );
    for (const s of [fwd, back]) expect(s).toMatchObject({ lastType: 'payment.refunded' });
  });
});

const subscription = (status: string, history: string[], daysPastDue?: number) =>
  btSubscriptionXml({
    id: 'sub_bt',
    status,
    daysPastDue,
    history: history.map((s, i) => ({ status: s, timestamp: `2026-03-0${5 - i}T00:00:00Z` })),
  });

describe('braintree reactivation (#17 case 7)', () => {
  it('subscription_went_active back from Past Due is a reactivation, not a new subscription', () => {
    const e = event(
      delivery('subscription_went_active', T, subscription('Active', ['Active', 'Past Due', 'Active'])),
    );
    expect(e).toMatchObject({
      type: 'subscription.reactivated',
      object: { type: 'subscription', id: 'sub_bt' },
      status: 'Active',
      planId: 'plan_gold',
      amount: { amount: 2000, currency: 'USD' },
    });
  });
  it('the first subscription_went_active is the subscription starting', () => {
    const e = event(delivery('subscription_went_active', T, subscription('Active', ['Active'])));
    expect(e).toMatchObject({ type: 'subscription.created', status: 'Active' });
  });
});

describe('braintree same-second order (#17 case 10)', () => {
  it('past_due then active in one second ends Active, in either delivery order', async () => {
    const pastDue = delivery(
      'subscription_went_past_due',
      T,
      subscription('Past Due', ['Past Due', 'Active'], 1),
    );
    const active = delivery(
      'subscription_went_active',
      T,
      subscription('Active', ['Active', 'Past Due', 'Active']),
    );
    const [fwd, back] = await bothOrders([pastDue, active], 'subscription/sub_bt');
    expect(fwd).toMatchObject({ status: 'Active' });
    expect(back).toMatchObject({ status: 'Active' });
  });
  it('an out-of-order past_due a second after a reactivation still wins by time', async () => {
    const active = delivery(
      'subscription_went_active',
      T,
      subscription('Active', ['Active', 'Past Due', 'Active']),
    );
    const later = delivery(
      'subscription_went_past_due',
      '2026-03-03T02:00:01Z',
      subscription('Past Due', ['Past Due', 'Active', 'Past Due', 'Active'], 1),
    );
    const [fwd, back] = await bothOrders([active, later], 'subscription/sub_bt');
    expect(fwd).toMatchObject({ status: 'Past Due' });
    expect(back).toMatchObject({ status: 'Past Due' });
  });
});

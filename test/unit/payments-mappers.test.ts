import braintree from 'braintree';
import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../shared/events/record.js';
import { NormalisedPaymentEvent } from '../../shared/payments/model.js';
import { normalise } from '../../shared/payments/normalise.js';
import { decimalToMinor } from '../../shared/payments/util.js';
import { paymentRecord } from '../support/payment-sequence.js';

const rec = paymentRecord;

function one(provider: string, type: string, body: unknown, extra: Partial<EventRecord> = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const out = normalise(rec(provider, type, extra), Buffer.from(raw));
  if (out.kind !== 'payment') throw new Error(`expected a payment event, got ${out.kind}`);
  for (const e of out.events) expect(NormalisedPaymentEvent.safeParse(e.event).success).toBe(true);
  return out.events;
}

describe('money', () => {
  it('converts decimals exactly per currency exponent', () => {
    expect(decimalToMinor('10.5', 'USD')).toBe(1050);
    expect(decimalToMinor('0.07', 'EUR')).toBe(7);
    expect(decimalToMinor('1200', 'JPY')).toBe(1200);
    expect(decimalToMinor('1.234', 'KWD')).toBe(1234);
    expect(decimalToMinor('1.234', 'USD')).toBeUndefined();
    expect(decimalToMinor('abc', 'USD')).toBeUndefined();
  });
});

describe('stripe', () => {
  it('maps payment_intent.succeeded', () => {
    const [m] = one('stripe', 'payment_intent.succeeded', {
      id: 'evt_1',
      object: 'event',
      api_version: '2024-06-20',
      created: 1_700_000_000,
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: 'pi_1',
          object: 'payment_intent',
          amount: 2000,
          amount_received: 2000,
          currency: 'usd',
          customer: 'cus_1',
          latest_charge: 'ch_1',
          status: 'succeeded',
        },
      },
    });
    expect(m!.event).toMatchObject({
      type: 'payment.succeeded',
      provider: 'stripe',
      object: { type: 'payment', id: 'pi_1' },
      amount: { amount: 2000, currency: 'USD' },
      customerId: 'cus_1',
      occurredAt: '2023-11-14T22:13:20.000Z',
      ids: { paymentIntentId: 'pi_1', chargeId: 'ch_1' },
      raw: { eventId: 'evt_test', href: '/events/evt_test', providerEventId: 'pe_1' },
    });
    expect(m!.order).toBe(`t${String(1_700_000_000_000_000).padStart(18, '0')}#5`);
  });
  it('maps subscription lifecycle, refunds, invoices, disputes and checkout', () => {
    const sub = (type: string, status: string) =>
      one('stripe', type, {
        id: 'evt_s',
        created: 1_700_000_100,
        type,
        data: {
          object: {
            id: 'sub_1',
            customer: 'cus_1',
            status,
            cancel_at_period_end: false,
            items: {
              data: [
                {
                  current_period_end: 1_702_000_000,
                  price: { id: 'price_1', unit_amount: 999, currency: 'eur' },
                },
              ],
            },
          },
        },
      })[0]!.event;
    expect(sub('customer.subscription.created', 'incomplete')).toMatchObject({
      type: 'subscription.created',
      planId: 'price_1',
      amount: { amount: 999, currency: 'EUR' },
      currentPeriodEnd: '2023-12-08T01:46:40.000Z',
    });
    expect(sub('customer.subscription.updated', 'active').type).toBe('subscription.updated');
    expect(sub('customer.subscription.deleted', 'canceled')).toMatchObject({
      type: 'subscription.canceled',
      status: 'canceled',
    });
    expect(
      one('stripe', 'charge.refunded', {
        id: 'evt_r',
        created: 1,
        type: 'charge.refunded',
        data: {
          object: {
            id: 'ch_1',
            amount_refunded: 500,
            currency: 'usd',
            payment_intent: 'pi_1',
            refunds: { data: [{ id: 're_1' }] },
          },
        },
      })[0]!.event,
    ).toMatchObject({
      type: 'payment.refunded',
      object: { id: 'pi_1' },
      refundId: 're_1',
      refundedAmount: { amount: 500 },
    });
    expect(
      one('stripe', 'invoice.paid', {
        id: 'e',
        created: 1,
        type: 'invoice.paid',
        data: {
          object: {
            id: 'in_1',
            amount_paid: 999,
            currency: 'usd',
            customer: 'cus_1',
            parent: { subscription_details: { subscription: 'sub_1' } },
          },
        },
      })[0]!.event,
    ).toMatchObject({ type: 'invoice.paid', ids: { invoiceId: 'in_1', subscriptionId: 'sub_1' } });
    expect(
      one('stripe', 'charge.dispute.closed', {
        id: 'e',
        created: 1,
        type: 'charge.dispute.closed',
        data: {
          object: {
            id: 'dp_1',
            amount: 2000,
            currency: 'usd',
            charge: 'ch_1',
            reason: 'fraudulent',
            status: 'won',
          },
        },
      })[0]!.event,
    ).toMatchObject({ type: 'dispute.closed', outcome: 'won', reason: 'fraudulent' });
    expect(
      one('stripe', 'checkout.session.completed', {
        id: 'e',
        created: 1,
        type: 'checkout.session.completed',
        data: {
          object: {
            id: 'cs_1',
            amount_total: 2000,
            currency: 'usd',
            customer: 'cus_1',
            subscription: 'sub_1',
          },
        },
      })[0]!.event,
    ).toMatchObject({ type: 'checkout.completed', object: { type: 'checkout', id: 'cs_1' } });
  });
  // Stripe documents a refunded charge as keeping `status: succeeded`, with `refunded: true` once
  // the whole amount is refunded and `amount_refunded` the running total (`refundedAmount`); the status is read from those.
  const charge = (extra: Record<string, unknown>) => ({
    id: 'evt_ch',
    created: 1,
    type: 'charge.refunded',
    data: {
      object: {
        id: 'ch_9',
        object: 'charge',
        amount: 2000,
        currency: 'usd',
        payment_intent: 'pi_9',
        status: 'succeeded',
        refunds: { data: [{ id: 're_9' }] },
        ...extra,
      },
    },
  });
  it.each([
    ['a full refund is refunded', { refunded: true, amount_refunded: 2000 }, 'refunded', 2000],
    [
      'a partial refund is partially_refunded',
      { refunded: false, amount_refunded: 500 },
      'partially_refunded',
      500,
    ],
  ])('charge.refunded: %s, with the cumulative refundedAmount', (_name, extra, status, refunded) => {
    expect(one('stripe', 'charge.refunded', charge(extra))[0]!.event).toMatchObject({
      type: 'payment.refunded',
      object: { type: 'payment', id: 'pi_9' },
      status,
      refundedAmount: { amount: refunded, currency: 'USD' },
      refundId: 're_9',
      ids: { chargeId: 'ch_9', paymentIntentId: 'pi_9' },
    });
  });

  // PaymentIntent statuses (Stripe docs): succeeded on payment_intent.succeeded; a failed attempt
  // returns the intent to requires_payment_method. Both are reported as sent, under their own type.
  it.each([
    ['payment_intent.succeeded', 'succeeded', 'payment.succeeded'],
    ['payment_intent.payment_failed', 'requires_payment_method', 'payment.failed'],
  ])('%s with status %s maps to %s', (type, status, mapped) => {
    const [m] = one('stripe', type, {
      id: `evt_${status}`,
      created: 1,
      type,
      data: { object: { id: 'pi_s', amount: 100, amount_received: 100, currency: 'usd', status } },
    });
    expect(m!.event).toMatchObject({ type: mapped, status, object: { id: 'pi_s' } });
  });

  // Dispute statuses (Stripe docs): only won and lost are outcomes; warning_closed and the rest are unknown.
  it.each([
    ['won', 'won'],
    ['lost', 'lost'],
    ['warning_closed', 'unknown'],
  ])('charge.dispute.closed with status %s has outcome %s', (status, outcome) => {
    const [m] = one('stripe', 'charge.dispute.closed', {
      id: `evt_d_${status}`,
      created: 1,
      type: 'charge.dispute.closed',
      data: { object: { id: 'dp_1', amount: 100, currency: 'usd', charge: 'ch_1', status } },
    });
    expect(m!.event).toMatchObject({ type: 'dispute.closed', status, outcome });
  });

  it('delivers unmapped types as stripe.raw with the payload', () => {
    const out = normalise(
      rec('stripe', 'customer.created'),
      Buffer.from(
        JSON.stringify({ id: 'evt_x', type: 'customer.created', data: { object: { id: 'cus_1' } } }),
      ),
    );
    expect(out.kind).toBe('raw');
    if (out.kind === 'raw')
      expect(out.event).toMatchObject({
        type: 'stripe.raw',
        providerType: 'customer.created',
        payload: { id: 'evt_x' },
      });
  });
  it('an unknown provider goes raw too', () => {
    expect(normalise(rec('github', 'push'), Buffer.from('{"ref":"x"}'))).toMatchObject({
      kind: 'raw',
      event: { type: 'github.raw' },
    });
  });
});

describe('paddle', () => {
  it('maps transaction.completed and subscription.canceled with microsecond order', () => {
    const [t] = one('paddle', 'transaction.completed', {
      event_id: 'evt_01h',
      event_type: 'transaction.completed',
      occurred_at: '2024-04-12T10:18:49.621022Z',
      notification_id: 'ntf_1',
      data: {
        id: 'txn_1',
        status: 'completed',
        customer_id: 'ctm_1',
        subscription_id: 'sub_01',
        currency_code: 'USD',
        details: { totals: { subtotal: '1000', tax: '200', total: '1200', grand_total: '1200' } },
      },
    });
    expect(t!.event).toMatchObject({
      type: 'payment.succeeded',
      amount: { amount: 1200, currency: 'USD' },
      customerId: 'ctm_1',
      ids: { transactionId: 'txn_1', subscriptionId: 'sub_01' },
    });
    expect(
      t!.order.startsWith(
        `t${String(Date.parse('2024-04-12T10:18:49.621Z') * 1000 + 22).padStart(18, '0')}#`,
      ),
    ).toBe(true);
    const [s] = one('paddle', 'subscription.canceled', {
      event_id: 'evt_2',
      event_type: 'subscription.canceled',
      occurred_at: '2024-04-12T10:18:49.621023Z',
      data: {
        id: 'sub_01',
        status: 'canceled',
        customer_id: 'ctm_1',
        currency_code: 'USD',
        items: [{ price: { id: 'pri_1', unit_price: { amount: '1000', currency_code: 'USD' } } }],
        current_billing_period: null,
      },
    });
    expect(s!.event).toMatchObject({
      type: 'subscription.canceled',
      planId: 'pri_1',
      amount: { amount: 1000 },
    });
  });
  it('maps an approved refund adjustment onto the transaction', () => {
    const [, r] = one('paddle', 'adjustment.updated', {
      event_id: 'e3',
      event_type: 'adjustment.updated',
      occurred_at: '2024-04-13T00:00:00.000000Z',
      data: {
        id: 'adj_1',
        action: 'refund',
        status: 'approved',
        transaction_id: 'txn_1',
        customer_id: 'ctm_1',
        currency_code: 'USD',
        totals: { total: '1200', currency_code: 'USD' },
      },
    });
    expect(r!.event).toMatchObject({ type: 'payment.refunded', object: { id: 'txn_1' }, refundId: 'adj_1' });
  });
});

describe('square', () => {
  it('maps a completed payment.updated and orders a subscription by version', () => {
    const [p] = one('square', 'payment.updated', {
      merchant_id: 'M1',
      type: 'payment.updated',
      event_id: 'b3b7e1f0',
      created_at: '2024-01-01T00:00:01Z',
      data: {
        type: 'payment',
        id: 'pay_sq',
        object: {
          payment: {
            id: 'pay_sq',
            amount_money: { amount: 1500, currency: 'USD' },
            total_money: { amount: 1500, currency: 'USD' },
            status: 'COMPLETED',
            customer_id: 'CUST1',
            order_id: 'ORD1',
            location_id: 'L1',
            updated_at: '2024-01-01T00:00:00.900Z',
          },
        },
      },
    });
    expect(p!.event).toMatchObject({
      type: 'payment.succeeded',
      amount: { amount: 1500, currency: 'USD' },
      ids: { paymentId: 'pay_sq', orderId: 'ORD1' },
    });
    const [s] = one('square', 'subscription.updated', {
      type: 'subscription.updated',
      event_id: 'e2',
      created_at: '2024-01-02T00:00:00Z',
      data: {
        type: 'subscription',
        id: 'S1',
        object: {
          subscription: {
            id: 'S1',
            customer_id: 'CUST1',
            status: 'CANCELED',
            plan_variation_id: 'PV1',
            version: 7,
          },
        },
      },
    });
    expect(s!.event.type).toBe('subscription.canceled');
    expect(s!.order).toBe('v000000000000007#6');
    // An APPROVED (not yet completed) payment is an authorization, not a capture.
    expect(
      one('square', 'payment.created', {
        type: 'payment.created',
        data: {
          object: {
            payment: {
              id: 'x',
              status: 'APPROVED',
              amount_money: { amount: 1500, currency: 'USD' },
              updated_at: '2024-01-01T00:00:00Z',
            },
          },
        },
      })[0]!.event,
    ).toMatchObject({ type: 'payment.authorized', object: { type: 'payment', id: 'x' } });
  });
  it('maps refunds and disputes', () => {
    expect(
      one('square', 'refund.updated', {
        type: 'refund.updated',
        created_at: '2024-01-01T00:00:00Z',
        data: {
          object: {
            refund: {
              id: 'R1',
              payment_id: 'pay_sq',
              status: 'COMPLETED',
              amount_money: { amount: 500, currency: 'USD' },
              version: 2,
            },
          },
        },
      })[0]!.event,
    ).toMatchObject({ type: 'refund.succeeded', object: { type: 'refund', id: 'R1' }, paymentId: 'pay_sq' });
    expect(
      one('square', 'dispute.state.updated', {
        type: 'dispute.state.updated',
        created_at: '2024-01-01T00:00:00Z',
        data: {
          object: {
            dispute: {
              id: 'D1',
              state: 'WON',
              reason: 'NOT_AS_DESCRIBED',
              amount_money: { amount: 1500, currency: 'USD' },
              version: 3,
            },
          },
        },
      })[0]!.event,
    ).toMatchObject({ type: 'dispute.closed', outcome: 'won' });
  });
});

describe('adyen', () => {
  it('maps each notification item', () => {
    const events = one('adyen', 'AUTHORISATION', {
      live: 'false',
      notificationItems: [
        {
          NotificationRequestItem: {
            additionalData: { shopperReference: 'shopper_1' },
            amount: { currency: 'EUR', value: 1000 },
            eventCode: 'AUTHORISATION',
            eventDate: '2024-01-01T01:00:00+01:00',
            merchantAccountCode: 'Acme',
            merchantReference: 'order-1',
            pspReference: 'PSP1',
            success: 'true',
          },
        },
        {
          NotificationRequestItem: {
            amount: { currency: 'EUR', value: 500 },
            eventCode: 'REFUND',
            eventDate: '2024-01-02T00:00:00+01:00',
            merchantAccountCode: 'Acme',
            merchantReference: 'order-1',
            originalReference: 'PSP1',
            pspReference: 'PSP2',
            success: 'true',
          },
        },
        {
          NotificationRequestItem: {
            amount: { currency: 'EUR', value: 1000 },
            eventCode: 'REPORT_AVAILABLE',
            eventDate: '2024-01-02T00:00:00+01:00',
            pspReference: 'PSP3',
            success: 'true',
          },
        },
      ],
    });
    expect(events.map((e) => e.event.type)).toEqual([
      'payment.authorized',
      'refund.succeeded',
      'payment.refunded',
    ]);
    expect(events[0]!.event).toMatchObject({
      object: { id: 'PSP1' },
      customerId: 'shopper_1',
      occurredAt: '2024-01-01T00:00:00.000Z',
      amount: { amount: 1000, currency: 'EUR' },
    });
    expect(events[1]!.event).toMatchObject({ object: { type: 'refund', id: 'PSP2' }, paymentId: 'PSP1' });
    expect(events[2]!.event).toMatchObject({ object: { id: 'PSP1' }, refundId: 'PSP2' });
  });
});

describe('razorpay', () => {
  it('maps payment.captured and subscription.cancelled', () => {
    const [p] = one('razorpay', 'payment.captured', {
      entity: 'event',
      account_id: 'acc_1',
      event: 'payment.captured',
      contains: ['payment'],
      created_at: 1_700_000_000,
      payload: {
        payment: {
          entity: {
            id: 'pay_1',
            entity: 'payment',
            amount: 50000,
            currency: 'INR',
            status: 'captured',
            order_id: 'order_1',
            customer_id: 'cust_1',
            method: 'upi',
          },
        },
      },
    });
    expect(p!.event).toMatchObject({
      type: 'payment.succeeded',
      amount: { amount: 50000, currency: 'INR' },
      ids: { paymentId: 'pay_1', orderId: 'order_1' },
    });
    const [s] = one('razorpay', 'subscription.cancelled', {
      entity: 'event',
      event: 'subscription.cancelled',
      created_at: 1_700_000_100,
      payload: {
        subscription: {
          entity: {
            id: 'sub_1',
            plan_id: 'plan_1',
            customer_id: 'cust_1',
            status: 'cancelled',
            current_end: 1_702_000_000,
          },
        },
      },
    });
    expect(s!.event).toMatchObject({ type: 'subscription.canceled', planId: 'plan_1' });
  });
});

describe('lemon squeezy', () => {
  it('maps order_created and subscription_payment_success', () => {
    const [o] = one('lemonsqueezy', 'order_created', {
      meta: { event_name: 'order_created', custom_data: { user_id: 7 } },
      data: {
        type: 'orders',
        id: '1',
        attributes: {
          store_id: 1,
          customer_id: 9,
          identifier: 'uuid',
          order_number: 1,
          currency: 'USD',
          subtotal: 999,
          total: 999,
          status: 'paid',
          refunded: false,
          created_at: '2024-01-01T00:00:00.000000Z',
          updated_at: '2024-01-01T00:00:01.000000Z',
        },
      },
    });
    expect(o!.event).toMatchObject({
      type: 'payment.succeeded',
      object: { type: 'payment', id: '1' },
      customerId: '9',
      amount: { amount: 999, currency: 'USD' },
    });
    const [i] = one('lemonsqueezy', 'subscription_payment_success', {
      meta: { event_name: 'subscription_payment_success' },
      data: {
        type: 'subscription-invoices',
        id: '55',
        attributes: {
          subscription_id: 3,
          customer_id: 9,
          currency: 'USD',
          total: 999,
          status: 'paid',
          updated_at: '2024-02-01T00:00:00.000000Z',
        },
      },
    });
    expect(i!.event).toMatchObject({
      type: 'invoice.paid',
      object: { type: 'invoice', id: '55' },
      ids: { subscriptionId: '3' },
    });
  });
});

describe('braintree', () => {
  const gateway = new braintree.BraintreeGateway({
    environment: braintree.Environment.Sandbox,
    merchantId: 'm',
    publicKey: 'pub',
    privateKey: 'priv',
  });
  const form = (kind: string, id: string) => {
    const n = gateway.webhookTesting.sampleNotification(kind as never, id) as {
      bt_signature: string;
      bt_payload: string;
    };
    return new URLSearchParams(n).toString();
  };
  it('maps SDK-generated notifications', () => {
    const ct = { contentType: 'application/x-www-form-urlencoded' };
    const [d] = one('braintree', 'dispute_opened', form('dispute_opened', 'dp_bt'), ct);
    expect(d!.event).toMatchObject({
      type: 'dispute.opened',
      object: { type: 'dispute', id: 'dp_bt' },
      amount: { amount: 25000, currency: 'USD' },
      reason: 'fraud',
    });
    const [t] = one('braintree', 'transaction_settled', form('transaction_settled', 'tx_bt'), ct);
    expect(t!.event).toMatchObject({
      type: 'payment.succeeded',
      object: { id: 'tx_bt' },
      amount: { amount: 10000, currency: 'USD' },
    });
    const [c] = one('braintree', 'subscription_canceled', form('subscription_canceled', 'sub_bt'), ct);
    expect(c!.event).toMatchObject({ type: 'subscription.canceled', object: { id: 'sub_bt' } });
    const [i] = one(
      'braintree',
      'subscription_charged_successfully',
      form('subscription_charged_successfully', 'sub_bt'),
      ct,
    );
    expect(i!.event).toMatchObject({ type: 'invoice.paid', ids: { subscriptionId: 'sub_bt' } });
  });
});

describe('paypal', () => {
  it('maps captures, refunds, subscriptions and disputes', () => {
    const [c] = one('paypal', 'PAYMENT.CAPTURE.COMPLETED', {
      id: 'WH-1',
      event_version: '1.0',
      create_time: '2024-01-01T00:00:00.000Z',
      resource_type: 'capture',
      event_type: 'PAYMENT.CAPTURE.COMPLETED',
      resource: {
        id: 'CAP1',
        status: 'COMPLETED',
        amount: { currency_code: 'USD', value: '10.99' },
        supplementary_data: { related_ids: { order_id: 'ORD1' } },
        create_time: '2024-01-01T00:00:00Z',
        update_time: '2024-01-01T00:00:00Z',
      },
    });
    expect(c!.event).toMatchObject({
      type: 'payment.succeeded',
      amount: { amount: 1099, currency: 'USD' },
      ids: { captureId: 'CAP1', orderId: 'ORD1' },
    });
    const [, r] = one('paypal', 'PAYMENT.CAPTURE.REFUNDED', {
      id: 'WH-2',
      create_time: '2024-01-02T00:00:00Z',
      event_type: 'PAYMENT.CAPTURE.REFUNDED',
      resource: {
        id: 'REF1',
        status: 'COMPLETED',
        amount: { currency_code: 'USD', value: '5.00' },
        links: [
          { rel: 'self', href: 'https://api.paypal.com/v2/payments/refunds/REF1' },
          { rel: 'up', href: 'https://api.paypal.com/v2/payments/captures/CAP1' },
        ],
      },
    });
    expect(r!.event).toMatchObject({
      type: 'payment.refunded',
      object: { id: 'CAP1' },
      refundId: 'REF1',
      amount: { amount: 500 },
    });
    const [s] = one('paypal', 'BILLING.SUBSCRIPTION.CANCELLED', {
      id: 'WH-3',
      create_time: '2024-01-03T00:00:00Z',
      event_type: 'BILLING.SUBSCRIPTION.CANCELLED',
      resource: {
        id: 'I-1',
        plan_id: 'P-1',
        status: 'CANCELLED',
        subscriber: { payer_id: 'PAYER1' },
        update_time: '2024-01-03T00:00:00Z',
      },
    });
    expect(s!.event).toMatchObject({ type: 'subscription.canceled', customerId: 'PAYER1', planId: 'P-1' });
    const [d] = one('paypal', 'CUSTOMER.DISPUTE.RESOLVED', {
      id: 'WH-4',
      create_time: '2024-01-04T00:00:00Z',
      event_type: 'CUSTOMER.DISPUTE.RESOLVED',
      resource: {
        dispute_id: 'PP-D-1',
        reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
        status: 'RESOLVED',
        dispute_amount: { currency_code: 'USD', value: '10.99' },
        dispute_outcome: { outcome_code: 'RESOLVED_SELLER_FAVOUR' },
        disputed_transactions: [{ seller_transaction_id: 'CAP1' }],
      },
    });
    expect(d!.event).toMatchObject({
      type: 'dispute.closed',
      outcome: 'won',
      ids: { transactionId: 'CAP1' },
    });
  });
});

/**
 * Issue #17 (payment fidelity), Stripe, Adyen and Square: each numbered case on bodies built from
 * the providers' documented payloads (test/unit/payment-fixtures/*, which cite the docs), and
 * the ordering guard on same-second and out-of-order sequences in both delivery orders.
 */
import { describe, expect, it } from 'vitest';
import {
  currencyExponent,
  epochMicros,
  orderKey,
  providerExponent,
  toIsoMinor,
} from '../../shared/payments/util.js';
import { bothOrders, finalStates, mapped } from '../support/payment-sequence.js';
import { adyenBody, PAYMENT_PSP } from './payment-fixtures/adyen.js';
import * as sq from './payment-fixtures/square.js';
import * as st from './payment-fixtures/stripe.js';

const types = (events: { event: { type: string } }[]) => events.map((e) => e.event.type);

describe('amounts are ISO 4217 minor units (provider exponent table)', () => {
  it('converts each documented exception, exactly', () => {
    expect(currencyExponent('ISK')).toBe(0);
    expect(currencyExponent('IDR')).toBe(2);
    expect(currencyExponent('CLF')).toBe(4);
    expect(providerExponent('stripe', 'ISK')).toBe(2);
    expect(providerExponent('stripe', 'MGA')).toBe(0);
    expect(providerExponent('adyen', 'CLP')).toBe(2);
    expect(providerExponent('square', 'ISK')).toBe(0);
    expect(toIsoMinor(50_000, 'ISK', 'stripe')).toBe(500);
    expect(toIsoMinor(50_050, 'ISK', 'stripe')).toBeUndefined();
    expect(toIsoMinor(1_000, 'MGA', 'stripe')).toBe(100_000);
    expect(toIsoMinor(100_000, 'CLP', 'adyen')).toBe(1_000);
    expect(toIsoMinor(15_000, 'IDR', 'adyen')).toBe(1_500_000);
    expect(toIsoMinor(250, 'CVE', 'adyen')).toBe(25_000);
    expect(toIsoMinor(1_000, 'EUR', 'adyen')).toBe(1_000);
  });
});

describe('the order key: basis, then lifecycle rank, never an event id', () => {
  it('keeps microseconds and compares across precisions', () => {
    expect(epochMicros('2024-04-12T10:18:49.621022Z')).toBe(
      Date.parse('2024-04-12T10:18:49.621Z') * 1000 + 22,
    );
    expect(
      orderKey({ timeIso: '2024-04-12T10:18:49.621022Z' }, 2) >
        orderKey({ timeIso: '2024-04-12T10:18:49.621Z' }, 2),
    ).toBe(true);
    expect(orderKey({ version: 7 }, 3)).toBe('v000000000000007#3');
  });
});

describe('case 4: Stripe', () => {
  it('an unpaid completed checkout is awaiting payment; the async events settle it', () => {
    const ev = (type: string, status: 'paid' | 'unpaid') =>
      mapped('stripe', type, st.stripeEvent(type, st.checkoutSession(status)));
    expect(types(ev('checkout.session.completed', 'unpaid'))).toEqual(['checkout.awaiting_payment']);
    expect(types(ev('checkout.session.completed', 'paid'))).toEqual(['checkout.completed']);
    expect(types(ev('checkout.session.async_payment_succeeded', 'paid'))).toEqual(['checkout.completed']);
    expect(types(ev('checkout.session.async_payment_failed', 'unpaid'))).toEqual(['checkout.payment_failed']);
    expect(ev('checkout.session.completed', 'unpaid')[0]!.event).toMatchObject({
      object: { type: 'checkout', id: 'cs_test_a1b2c3' },
      amount: { amount: 2000, currency: 'EUR' },
    });
  });

  it('charge.refunded: each refund with its own amount and id, and the cumulative refundedAmount', () => {
    const first = st.refund('re_1', 3000);
    const second = st.refund('re_2', 2000);
    const [a] = mapped(
      'stripe',
      'charge.refunded',
      st.stripeEvent('charge.refunded', st.refundedCharge(3000, [first])),
    );
    const [b] = mapped(
      'stripe',
      'charge.refunded',
      st.stripeEvent('charge.refunded', st.refundedCharge(5000, [second, first])),
    );
    expect(a!.event).toMatchObject({
      type: 'payment.refunded',
      object: { type: 'payment', id: 'pi_3MmlLrLkdIwHu7ix0uke3Ezy' },
      status: 'partially_refunded',
      amount: { amount: 3000, currency: 'USD' },
      refundId: 're_1',
      refundedAmount: { amount: 3000, currency: 'USD' },
    });
    expect(b!.event).toMatchObject({
      status: 'partially_refunded',
      amount: { amount: 2000, currency: 'USD' },
      refundId: 're_2',
      refundedAmount: { amount: 5000, currency: 'USD' },
    });
  });

  it('ISK amounts are two-decimal in Stripe: 50000 is 500 kr', () => {
    const [m] = mapped(
      'stripe',
      'payment_intent.succeeded',
      st.stripeEvent(
        'payment_intent.succeeded',
        st.paymentIntent('succeeded', { amount: 50_000, amount_received: 50_000, currency: 'isk' }),
      ),
    );
    expect(m!.event.amount).toEqual({ amount: 500, currency: 'ISK' });
  });

  it('invoice.paid on 2025-03-31.basil keeps the payment intent from `payments`', () => {
    const [m] = mapped(
      'stripe',
      'invoice.paid',
      st.stripeEvent('invoice.paid', st.basilInvoice(), { apiVersion: '2025-03-31.basil' }),
    );
    expect(m!.event).toMatchObject({
      type: 'invoice.paid',
      amount: { amount: 4500, currency: 'USD' },
      ids: {
        invoiceId: 'in_1MtHbELkdIwHu7ixl4OzzPMv',
        subscriptionId: 'sub_1MowQVLkdIwHu7ixeRlqHVzs',
        paymentIntentId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      },
    });
  });

  it('a subscription amount is unit price x quantity', () => {
    const [m] = mapped(
      'stripe',
      'customer.subscription.created',
      st.stripeEvent('customer.subscription.created', st.subscription('active')),
    );
    expect(m!.event).toMatchObject({
      type: 'subscription.created',
      amount: { amount: 4500, currency: 'USD' },
      quantity: 3,
    });
  });

  it('maps refunds, cancels, processing, pause and resume', () => {
    const ev = (type: string, o: Record<string, unknown>, previous?: Record<string, unknown>) =>
      mapped('stripe', type, st.stripeEvent(type, o, previous ? { previous } : {}));
    expect(ev('refund.created', st.refund('re_1', 3000, 'pending'))[0]!.event).toMatchObject({
      type: 'refund.pending',
      object: { type: 'refund', id: 're_1' },
      amount: { amount: 3000, currency: 'USD' },
      paymentId: 'pi_3MmlLrLkdIwHu7ix0uke3Ezy',
    });
    expect(types(ev('refund.updated', st.refund('re_1', 3000)))).toEqual(['refund.succeeded']);
    expect(types(ev('charge.refund.updated', st.refund('re_1', 3000)))).toEqual(['refund.succeeded']);
    const failed = ev(
      'refund.failed',
      st.refund('re_1', 3000, 'failed', { failure_reason: 'expired_or_canceled_card' }),
    );
    expect(types(failed)).toEqual(['refund.failed', 'payment.refund_failed']);
    expect(failed[0]!.event).toMatchObject({ failureReason: 'expired_or_canceled_card' });
    expect(failed[1]!.event).toMatchObject({
      object: { type: 'payment', id: 'pi_3MmlLrLkdIwHu7ix0uke3Ezy' },
      refundId: 're_1',
    });
    expect(
      types(
        ev('payment_intent.canceled', st.paymentIntent('canceled', { cancellation_reason: 'abandoned' })),
      ),
    ).toEqual(['payment.canceled']);
    expect(types(ev('payment_intent.processing', st.paymentIntent('processing')))).toEqual([
      'payment.processing',
    ]);
    expect(
      types(
        ev(
          'payment_intent.amount_capturable_updated',
          st.paymentIntent('requires_capture', { amount_capturable: 2000 }),
        ),
      ),
    ).toEqual(['payment.authorized']);
    expect(types(ev('customer.subscription.paused', st.subscription('paused')))).toEqual([
      'subscription.paused',
    ]);
    expect(types(ev('customer.subscription.resumed', st.subscription('active')))).toEqual([
      'subscription.reactivated',
    ]);
    const scheduled = ev(
      'customer.subscription.updated',
      st.subscription('active', { cancel_at_period_end: true, cancel_at: st.T0 + 30 * 86_400 }),
      { cancel_at_period_end: false },
    );
    expect(scheduled[0]!.event).toMatchObject({
      type: 'subscription.cancel_scheduled',
      cancelAtPeriodEnd: true,
      cancelAt: '2026-01-31T00:00:00.000Z',
    });
    expect(
      types(ev('customer.subscription.updated', st.subscription('active'), { cancel_at_period_end: true })),
    ).toEqual(['subscription.reactivated']);
    expect(
      types(ev('customer.subscription.updated', st.subscription('active'), { status: 'past_due' })),
    ).toEqual(['subscription.reactivated']);
    expect(
      types(ev('customer.subscription.updated', st.subscription('active'), { status: 'incomplete' })),
    ).toEqual(['subscription.updated']);
    expect(types(ev('customer.subscription.deleted', st.subscription('canceled')))).toEqual([
      'subscription.canceled',
    ]);
  });
});

describe('case 10: ties inside one second go by the lifecycle, never by event id', () => {
  it('Stripe: past_due then active in the same second ends active, in both orders', async () => {
    const pastDue = st.stripeEvent('customer.subscription.updated', st.subscription('past_due'), {
      id: 'evt_zzz',
      previous: { status: 'active' },
    });
    const active = st.stripeEvent('customer.subscription.updated', st.subscription('active'), {
      id: 'evt_aaa',
      previous: { status: 'past_due' },
    });
    const { forward, reversed } = await bothOrders('stripe', [
      { type: pastDue.type, body: pastDue },
      { type: active.type, body: active },
    ]);
    const sub = 'subscription/sub_1MowQVLkdIwHu7ixeRlqHVzs';
    expect([forward[sub]?.status, reversed[sub]?.status]).toEqual(['active', 'active']);
    expect(forward[sub]).toEqual({ type: 'subscription.reactivated', status: 'active' });
    expect(reversed).toEqual(forward);
  });

  it('Stripe: created incomplete, active and failed-then-succeeded payments in one second', async () => {
    const seq = [
      st.stripeEvent('customer.subscription.created', st.subscription('incomplete'), { id: 'evt_9' }),
      st.stripeEvent('customer.subscription.updated', st.subscription('active'), {
        id: 'evt_1',
        previous: { status: 'incomplete' },
      }),
      st.stripeEvent('payment_intent.payment_failed', st.paymentIntent('requires_payment_method'), {
        id: 'evt_8',
      }),
      st.stripeEvent('payment_intent.succeeded', st.paymentIntent('succeeded'), { id: 'evt_2' }),
    ].map((b) => ({ type: b.type, body: b }));
    const { forward, reversed } = await bothOrders('stripe', seq);
    expect(forward).toEqual({
      'subscription/sub_1MowQVLkdIwHu7ixeRlqHVzs': { type: 'subscription.updated', status: 'active' },
      'payment/pi_3MtwBwLkdIwHu7ix28a3tqPa': { type: 'payment.succeeded', status: 'succeeded' },
    });
    expect(reversed).toEqual(forward);
  });

  it('Stripe: out of order, later seconds win: refunds accumulate, a deletion ends the subscription', async () => {
    const seq = [
      st.stripeEvent('customer.subscription.created', st.subscription('active'), { created: st.T0 }),
      st.stripeEvent('customer.subscription.updated', st.subscription('past_due'), {
        created: st.T0 + 5,
        previous: { status: 'active' },
      }),
      st.stripeEvent('customer.subscription.deleted', st.subscription('canceled'), { created: st.T0 + 9 }),
      st.stripeEvent('charge.refunded', st.refundedCharge(3000, [st.refund('re_1', 3000)]), {
        created: st.T0 + 1,
      }),
      st.stripeEvent(
        'charge.refunded',
        st.refundedCharge(10000, [st.refund('re_2', 7000), st.refund('re_1', 3000)]),
        { created: st.T0 + 2 },
      ),
      st.stripeEvent('refund.created', st.refund('re_2', 7000, 'pending'), { created: st.T0 + 1 }),
      st.stripeEvent('refund.updated', st.refund('re_2', 7000), { created: st.T0 + 2 }),
    ].map((b) => ({ type: b.type, body: b }));
    const { forward, reversed } = await bothOrders('stripe', seq);
    expect(forward).toEqual({
      'subscription/sub_1MowQVLkdIwHu7ixeRlqHVzs': { type: 'subscription.canceled', status: 'canceled' },
      'payment/pi_3MmlLrLkdIwHu7ix0uke3Ezy': { type: 'payment.refunded', status: 'refunded' },
      'refund/re_2': { type: 'refund.succeeded', status: 'succeeded' },
    });
    expect(reversed).toEqual(forward);
    const states = await finalStates('stripe', [...seq].reverse());
    expect(states['payment/pi_3MmlLrLkdIwHu7ix0uke3Ezy']!.event).toMatchObject({
      refundedAmount: { amount: 10000, currency: 'USD' },
    });
  });
});

describe('case 5: Adyen', () => {
  const one = (...items: Parameters<typeof adyenBody>) =>
    mapped('adyen', items[0]!.eventCode, adyenBody(...items));

  it('converts Adyen exponents to ISO 4217 minor units (CLP 2, ISK 2, IDR 0, CVE 0)', () => {
    const auth = (currency: string, value: number) =>
      one({ eventCode: 'AUTHORISATION', pspReference: PAYMENT_PSP, currency, value })[0]!.event.amount;
    expect(auth('CLP', 100_000)).toEqual({ amount: 1_000, currency: 'CLP' });
    expect(auth('ISK', 50_000)).toEqual({ amount: 500, currency: 'ISK' });
    expect(auth('IDR', 15_000)).toEqual({ amount: 1_500_000, currency: 'IDR' });
    expect(auth('CVE', 250)).toEqual({ amount: 25_000, currency: 'CVE' });
    expect(auth('EUR', 1_000)).toEqual({ amount: 1_000, currency: 'EUR' });
  });

  it('AUTHORISATION is an authorization; CAPTURE captures it', () => {
    expect(one({ eventCode: 'AUTHORISATION', pspReference: PAYMENT_PSP })[0]!.event).toMatchObject({
      type: 'payment.authorized',
      object: { type: 'payment', id: PAYMENT_PSP },
    });
    expect(
      one({ eventCode: 'CAPTURE', pspReference: 'CAP1', originalReference: PAYMENT_PSP })[0]!.event,
    ).toMatchObject({
      type: 'payment.succeeded',
      object: { type: 'payment', id: PAYMENT_PSP },
      ids: { pspReference: 'CAP1', originalReference: PAYMENT_PSP },
    });
    expect(
      one({
        eventCode: 'CAPTURE_FAILED',
        pspReference: 'CAP1',
        originalReference: PAYMENT_PSP,
        reason: 'Insufficient balance',
      })[0]!.event,
    ).toMatchObject({
      type: 'payment.failed',
      object: { id: PAYMENT_PSP },
      failureReason: 'Insufficient balance',
    });
    expect(
      types(
        one({ eventCode: 'CAPTURE', pspReference: 'CAP1', originalReference: PAYMENT_PSP, success: 'false' }),
      ),
    ).toEqual(['payment.failed']);
  });

  it('maps cancellations, refunds and failed or reversed refunds', () => {
    const mod = (eventCode: string, extra: Record<string, unknown> = {}) =>
      one({ eventCode, pspReference: 'MOD1', originalReference: PAYMENT_PSP, ...extra });
    expect(mod('CANCELLATION')[0]!.event).toMatchObject({
      type: 'payment.canceled',
      object: { id: PAYMENT_PSP },
    });
    expect(types(mod('CANCEL_OR_REFUND', { additionalData: { 'modification.action': 'cancel' } }))).toEqual([
      'payment.canceled',
    ]);
    expect(types(mod('CANCEL_OR_REFUND', { additionalData: { 'modification.action': 'refund' } }))).toEqual([
      'refund.succeeded',
      'payment.refunded',
    ]);
    const refund = mod('REFUND', { value: 500 });
    expect(refund[0]!.event).toMatchObject({
      type: 'refund.succeeded',
      object: { type: 'refund', id: 'MOD1' },
      paymentId: PAYMENT_PSP,
      amount: { amount: 500 },
    });
    expect(refund[1]!.event).toMatchObject({
      type: 'payment.refunded',
      object: { type: 'payment', id: PAYMENT_PSP },
      refundId: 'MOD1',
      amount: { amount: 500 },
    });
    expect(types(mod('REFUND', { success: 'false' }))).toEqual(['refund.failed']);
    expect(types(mod('REFUND_FAILED'))).toEqual(['refund.failed', 'payment.refund_failed']);
    expect(types(mod('REFUNDED_REVERSED'))).toEqual(['refund.failed', 'payment.refund_failed']);
  });

  it('a dispute is its own object: two disputes on one payment stay two', async () => {
    const dispute = (psp: string, eventCode: string, eventDate: string) => ({
      type: eventCode,
      body: adyenBody({
        eventCode,
        pspReference: psp,
        originalReference: PAYMENT_PSP,
        eventDate,
        reason: 'Fraud',
      }),
    });
    const first = mapped(
      'adyen',
      'NOTIFICATION_OF_CHARGEBACK',
      dispute('DSP1', 'NOTIFICATION_OF_CHARGEBACK', '2026-01-01T01:00:00+01:00').body,
    );
    expect(first[0]!.event).toMatchObject({
      type: 'dispute.opened',
      object: { type: 'dispute', id: 'DSP1' },
      paymentId: PAYMENT_PSP,
    });
    const states = await finalStates('adyen', [
      dispute('DSP1', 'NOTIFICATION_OF_CHARGEBACK', '2026-01-01T01:00:00+01:00'),
      dispute('DSP1', 'CHARGEBACK_REVERSED', '2026-01-05T01:00:00+01:00'),
      dispute('DSP2', 'NOTIFICATION_OF_CHARGEBACK', '2026-02-01T01:00:00+01:00'),
    ]);
    expect(states['dispute/DSP1']!.lastType).toBe('dispute.closed');
    expect(states['dispute/DSP2']!.lastType).toBe('dispute.opened');
  });

  it('same-second and out-of-order sequences end the same in both orders', async () => {
    const item = (eventCode: string, eventDate: string, psp = 'MOD1') => ({
      type: eventCode,
      body: adyenBody({
        eventCode,
        pspReference: eventCode === 'AUTHORISATION' ? PAYMENT_PSP : psp,
        ...(eventCode === 'AUTHORISATION' ? {} : { originalReference: PAYMENT_PSP }),
        eventDate,
      }),
    });
    const t = '2026-01-01T01:00:00+01:00';
    const sameSecond = [
      [item('AUTHORISATION', t), item('CAPTURE', t), 'payment.succeeded'],
      [item('AUTHORISATION', t), item('CANCELLATION', t), 'payment.canceled'],
      [item('AUTHORISATION', t), item('CAPTURE_FAILED', t), 'payment.failed'],
      [item('REFUND', t), item('REFUND_FAILED', t), 'payment.refund_failed'],
    ] as const;
    for (const [a, b, end] of sameSecond) {
      const { forward, reversed } = await bothOrders('adyen', [a, b]);
      expect(forward[`payment/${PAYMENT_PSP}`]?.type).toBe(end);
      expect(reversed).toEqual(forward);
    }
    const { forward, reversed } = await bothOrders('adyen', [
      item('AUTHORISATION', '2026-01-01T01:00:00+01:00'),
      item('CAPTURE', '2026-01-01T02:00:00+01:00', 'CAP1'),
      item('REFUND', '2026-01-02T01:00:00+01:00', 'REF1'),
      item('REFUND_FAILED', '2026-01-03T01:00:00+01:00', 'REF1'),
    ]);
    expect(forward).toEqual({
      [`payment/${PAYMENT_PSP}`]: { type: 'payment.refund_failed', status: 'REFUND_FAILED' },
      'refund/REF1': { type: 'refund.failed', status: 'REFUND_FAILED' },
    });
    expect(reversed).toEqual(forward);
  });
});

describe('case 1: Square refund, then the payment.updated that carries it', () => {
  const refundUpdated = {
    type: 'refund.updated',
    body: sq.squareEvent('refund.updated', 'refund', sq.REFUND_ID, sq.refund(), '2020-02-06T22:14:16.421Z'),
  };
  const paymentUpdated = {
    type: 'payment.updated',
    body: sq.squareEvent(
      'payment.updated',
      'payment',
      sq.PAYMENT_ID,
      sq.payment({
        refund_ids: [sq.REFUND_ID],
        refunded_money: { amount: 1000, currency: 'USD' },
        updated_at: '2020-02-06T22:14:16.390Z',
        version: 4,
      }),
      '2020-02-06T22:14:16.500Z',
    ),
  };

  it('the payment ends partially refunded and the refund succeeded, in both orders', async () => {
    const { forward, reversed } = await bothOrders('square', [refundUpdated, paymentUpdated]);
    expect(forward).toEqual({
      [`payment/${sq.PAYMENT_ID}`]: { type: 'payment.refunded', status: 'partially_refunded' },
      [`refund/${sq.REFUND_ID}`]: { type: 'refund.succeeded', status: 'COMPLETED' },
    });
    expect(reversed).toEqual(forward);
    const states = await finalStates('square', [paymentUpdated, refundUpdated]);
    expect(states[`payment/${sq.PAYMENT_ID}`]!.event).toMatchObject({
      refundedAmount: { amount: 1000, currency: 'USD' },
    });
    expect(states[`refund/${sq.REFUND_ID}`]!.event).toMatchObject({
      amount: { amount: 1000, currency: 'USD' },
      paymentId: sq.PAYMENT_ID,
    });
  });

  it('a later time-ordered event on the payment is never refused because of another object’s version', async () => {
    const completed = {
      type: 'payment.updated',
      body: sq.squareEvent(
        'payment.updated',
        'payment',
        sq.PAYMENT_ID,
        sq.payment({ version: 2 }),
        '2020-02-06T21:27:31.100Z',
      ),
    };
    const full = {
      type: 'payment.updated',
      body: sq.squareEvent(
        'payment.updated',
        'payment',
        sq.PAYMENT_ID,
        sq.payment({
          refunded_money: { amount: 5000, currency: 'USD' },
          updated_at: '2020-02-07T10:00:00.000Z',
          version: 5,
        }),
        '2020-02-07T10:00:00.100Z',
      ),
    };
    const { forward, reversed } = await bothOrders('square', [completed, refundUpdated, full]);
    expect(forward[`payment/${sq.PAYMENT_ID}`]).toEqual({ type: 'payment.refunded', status: 'refunded' });
    expect(reversed).toEqual(forward);
  });
});

describe('case 8: Square invoices, fee updates and failed refunds', () => {
  const invoiceMade = (status: 'PARTIALLY_PAID' | 'PAID', version: number) =>
    sq.squareEvent(
      'invoice.payment_made',
      'invoice',
      'inv:0-ChCHu2mZEabLeeHahQnXDjZQECY',
      sq.depositInvoice(status, version),
      '2030-01-13T21:24:10Z',
    );

  it('a deposit (PARTIALLY_PAID) is not paid; the balance makes it paid, with the total', async () => {
    expect(
      mapped('square', 'invoice.payment_made', invoiceMade('PARTIALLY_PAID', 2))[0]!.event,
    ).toMatchObject({
      type: 'invoice.partially_paid',
      amount: { amount: 1000, currency: 'USD' },
    });
    expect(mapped('square', 'invoice.payment_made', invoiceMade('PAID', 3))[0]!.event).toMatchObject({
      type: 'invoice.paid',
      amount: { amount: 10000, currency: 'USD' },
    });
    const { forward, reversed } = await bothOrders('square', [
      { type: 'invoice.payment_made', body: invoiceMade('PARTIALLY_PAID', 2) },
      { type: 'invoice.payment_made', body: invoiceMade('PAID', 3) },
    ]);
    expect(forward['invoice/inv:0-ChCHu2mZEabLeeHahQnXDjZQECY']).toEqual({
      type: 'invoice.paid',
      status: 'PAID',
    });
    expect(reversed).toEqual(forward);
  });

  it('a fee-only payment.updated on a completed payment emits no second payment.succeeded', () => {
    const timeline = (captured: string) => ({
      status: 'CAPTURED',
      card_payment_timeline: { authorized_at: '2020-02-06T21:27:30.900Z', captured_at: captured },
    });
    const fee = [
      {
        effective_at: '2020-02-06T23:27:31.000Z',
        type: 'INITIAL',
        amount_money: { amount: 175, currency: 'USD' },
      },
    ];
    const created = sq.squareEvent(
      'payment.created',
      'payment',
      sq.PAYMENT_ID,
      sq.payment({ card_details: timeline('2020-02-06T21:27:31.000Z') }),
      '2020-02-06T21:27:31.100Z',
    );
    const fees = sq.squareEvent(
      'payment.updated',
      'payment',
      sq.PAYMENT_ID,
      sq.payment({
        card_details: timeline('2020-02-06T21:27:31.000Z'),
        processing_fee: fee,
        updated_at: '2020-02-06T21:27:33.000Z',
        version: 4,
      }),
      '2020-02-06T21:27:33.100Z',
    );
    expect(types(mapped('square', 'payment.created', created))).toEqual(['payment.succeeded']);
    expect(types(mapped('square', 'payment.updated', fees))).toEqual([]);
    // A delayed capture (APPROVED, then CompletePayment) whose update already carries its fees is the capture.
    const capture = sq.squareEvent(
      'payment.updated',
      'payment',
      sq.PAYMENT_ID,
      sq.payment({
        card_details: timeline('2020-02-07T09:00:00.000Z'),
        processing_fee: fee,
        updated_at: '2020-02-07T09:00:00.120Z',
        version: 3,
      }),
      '2020-02-07T09:00:00.200Z',
    );
    expect(types(mapped('square', 'payment.updated', capture))).toEqual(['payment.succeeded']);
  });

  it('maps payment states: approved is an authorization, canceled is canceled', () => {
    const ev = (status: string) =>
      mapped(
        'square',
        'payment.updated',
        sq.squareEvent(
          'payment.updated',
          'payment',
          sq.PAYMENT_ID,
          sq.payment({ status }),
          '2020-02-06T21:27:31.100Z',
        ),
      );
    expect(types(ev('APPROVED'))).toEqual(['payment.authorized']);
    expect(types(ev('CANCELED'))).toEqual(['payment.canceled']);
    expect(types(ev('FAILED'))).toEqual(['payment.failed']);
    expect(types(ev('PENDING'))).toEqual(['payment.processing']);
  });

  it('failed and rejected refunds are failed refunds; the refund orders by its own version', async () => {
    for (const status of ['FAILED', 'REJECTED'])
      expect(
        mapped(
          'square',
          'refund.updated',
          sq.squareEvent(
            'refund.updated',
            'refund',
            sq.REFUND_ID,
            sq.refund(status),
            '2020-02-06T22:14:16.421Z',
          ),
        )[0]!.event,
      ).toMatchObject({
        type: 'refund.failed',
        object: { type: 'refund', id: sq.REFUND_ID },
        status,
      });
    const { forward, reversed } = await bothOrders('square', [
      {
        type: 'refund.created',
        body: sq.squareEvent(
          'refund.created',
          'refund',
          sq.REFUND_ID,
          sq.refund('PENDING', { version: 7 }),
          '2020-02-06T21:27:41.852Z',
        ),
      },
      {
        type: 'refund.updated',
        body: sq.squareEvent(
          'refund.updated',
          'refund',
          sq.REFUND_ID,
          sq.refund(),
          '2020-02-06T22:14:16.421Z',
        ),
      },
    ]);
    expect(forward).toEqual({
      [`refund/${sq.REFUND_ID}`]: { type: 'refund.succeeded', status: 'COMPLETED' },
    });
    expect(reversed).toEqual(forward);
  });

  it('a subscription orders by its version: canceled stays canceled whatever arrives last', async () => {
    const sub = (status: string, version: number, extra: Record<string, unknown> = {}) => ({
      type: 'subscription.updated',
      body: sq.squareEvent(
        'subscription.updated',
        'subscription',
        'SUB1',
        { id: 'SUB1', customer_id: 'C1', status, plan_variation_id: 'PV1', version, ...extra },
        '2026-01-01T00:00:00Z',
      ),
    });
    expect(
      mapped('square', 'subscription.updated', sub('ACTIVE', 2, { canceled_date: '2026-02-01' }).body)[0]!
        .event,
    ).toMatchObject({ type: 'subscription.cancel_scheduled', cancelAt: '2026-02-01T00:00:00.000Z' });
    const { forward, reversed } = await bothOrders('square', [
      sub('ACTIVE', 1),
      sub('ACTIVE', 2, { canceled_date: '2026-02-01' }),
      sub('CANCELED', 3),
    ]);
    expect(forward).toEqual({ 'subscription/SUB1': { type: 'subscription.canceled', status: 'CANCELED' } });
    expect(reversed).toEqual(forward);
  });
});

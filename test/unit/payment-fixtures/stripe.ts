/**
 * Stripe webhook bodies built from Stripe's documented objects. Envelope: the Event object,
 * https://docs.stripe.com/api/events/object. Each builder cites the object it follows.
 */

/** 2026-01-01T00:00:00Z in Stripe's `created` seconds. */
export const T0 = 1_767_225_600;

export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  opts: { id?: string; created?: number; apiVersion?: string; previous?: Record<string, unknown> } = {},
) {
  return {
    id: opts.id ?? `evt_${type.replace(/\W/g, '_')}`,
    object: 'event',
    api_version: opts.apiVersion ?? '2024-06-20',
    created: opts.created ?? T0,
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object, ...(opts.previous ? { previous_attributes: opts.previous } : {}) },
  };
}

/**
 * Checkout Session, https://docs.stripe.com/api/checkout/sessions/object: `status: complete` with
 * `payment_status: unpaid` is a delayed-notification method (e.g. a bank debit), paid later with
 * `checkout.session.async_payment_succeeded` (https://docs.stripe.com/checkout/fulfillment).
 */
export const checkoutSession = (paymentStatus: 'paid' | 'unpaid' | 'no_payment_required') => ({
  id: 'cs_test_a1b2c3',
  object: 'checkout.session',
  amount_subtotal: 2000,
  amount_total: 2000,
  currency: 'eur',
  customer: 'cus_NffrFeUfNV2Hib',
  mode: 'payment',
  payment_intent: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
  payment_status: paymentStatus,
  status: 'complete',
});

/** A Refund, https://docs.stripe.com/api/refunds/object (status pending, succeeded, failed, canceled). */
export const refund = (
  id: string,
  amount: number,
  status = 'succeeded',
  extra: Record<string, unknown> = {},
) => ({
  id,
  object: 'refund',
  amount,
  balance_transaction: `txn_${id}`,
  charge: 'ch_3MmlLrLkdIwHu7ix0snN0B15',
  created: T0,
  currency: 'usd',
  payment_intent: 'pi_3MmlLrLkdIwHu7ix0uke3Ezy',
  reason: null,
  status,
  ...extra,
});

/**
 * A Charge after refunds, https://docs.stripe.com/api/charges/object: `amount_refunded` is the
 * cumulative amount, `refunded` true only once fully refunded; `refunds` lists the newest first.
 */
export const refundedCharge = (amountRefunded: number, refunds: ReturnType<typeof refund>[]) => ({
  id: 'ch_3MmlLrLkdIwHu7ix0snN0B15',
  object: 'charge',
  amount: 10000,
  amount_captured: 10000,
  amount_refunded: amountRefunded,
  captured: true,
  currency: 'usd',
  customer: 'cus_NffrFeUfNV2Hib',
  paid: true,
  payment_intent: 'pi_3MmlLrLkdIwHu7ix0uke3Ezy',
  refunded: amountRefunded === 10000,
  refunds: {
    object: 'list',
    data: refunds,
    has_more: false,
    url: '/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15/refunds',
  },
  status: 'succeeded',
});

/** A PaymentIntent, https://docs.stripe.com/api/payment_intents/object. */
export const paymentIntent = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
  object: 'payment_intent',
  amount: 2000,
  amount_capturable: 0,
  amount_received: status === 'succeeded' ? 2000 : 0,
  currency: 'usd',
  customer: 'cus_NffrFeUfNV2Hib',
  latest_charge: null,
  status,
  ...extra,
});

/**
 * An Invoice on API 2025-03-31.basil: `payment_intent` is gone, the payments are InvoicePayment
 * objects under `payments` (https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices,
 * https://docs.stripe.com/api/invoice-payment/object), the subscription under `parent`.
 */
export const basilInvoice = () => ({
  id: 'in_1MtHbELkdIwHu7ixl4OzzPMv',
  object: 'invoice',
  amount_due: 4500,
  amount_paid: 4500,
  amount_remaining: 0,
  currency: 'usd',
  customer: 'cus_NffrFeUfNV2Hib',
  status: 'paid',
  parent: {
    type: 'subscription_details',
    subscription_details: { subscription: 'sub_1MowQVLkdIwHu7ixeRlqHVzs', metadata: {} },
  },
  payments: {
    object: 'list',
    data: [
      {
        id: 'inpay_1M3USa2eZvKYlo2CBjuwbq0N',
        object: 'invoice_payment',
        amount_paid: 4500,
        amount_requested: 4500,
        currency: 'usd',
        invoice: 'in_1MtHbELkdIwHu7ixl4OzzPMv',
        is_default: true,
        payment: { type: 'payment_intent', payment_intent: 'pi_3MtwBwLkdIwHu7ix28a3tqPa' },
        status: 'paid',
      },
    ],
    has_more: false,
  },
});

/**
 * A Subscription, https://docs.stripe.com/api/subscriptions/object, with one item of
 * https://docs.stripe.com/api/subscription_items/object (`quantity` seats of `price.unit_amount`).
 */
export const subscription = (status: string, extra: Record<string, unknown> = {}, quantity = 3) => ({
  id: 'sub_1MowQVLkdIwHu7ixeRlqHVzs',
  object: 'subscription',
  cancel_at: null,
  cancel_at_period_end: false,
  currency: 'usd',
  customer: 'cus_NffrFeUfNV2Hib',
  items: {
    object: 'list',
    data: [
      {
        id: 'si_NaOHxThlCDiUcQ',
        object: 'subscription_item',
        current_period_end: T0 + 30 * 86_400,
        price: { id: 'price_1MowQULkdIwHu7ixraBm864M', object: 'price', currency: 'usd', unit_amount: 1500 },
        quantity,
      },
    ],
  },
  status,
  ...extra,
});

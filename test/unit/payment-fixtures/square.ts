/**
 * Square webhook bodies, https://developer.squareup.com/docs/webhooks/overview (envelope:
 * merchant_id, type, event_id, created_at, data {type, id, object}). The refund follows the
 * documented refund.updated example, https://developer.squareup.com/reference/square/refunds-api/webhooks/refund.updated;
 * the payment the Payment object, https://developer.squareup.com/reference/square/objects/Payment.
 * On a refund Square sends refund.created/updated and a payment.updated whose payment carries
 * `refund_ids` and `refunded_money`; it also sends payment.updated when it adds processing fees
 * to a completed payment, https://developer.squareup.com/docs/payments-api/webhooks.
 */

export const PAYMENT_ID = 'KkAkhdMsgzn59SM8A89WgKwekxLZY';
export const REFUND_ID = `${PAYMENT_ID}_ptNBVqHYxt5gAdfcobBe4u1AZsXhoz06KTtuq9Ls24P`;

export function squareEvent(type: string, kind: string, id: string, object: unknown, createdAt: string) {
  return {
    merchant_id: '6SSW7HV8K2ST5',
    type,
    event_id: `${type}-${createdAt}`,
    created_at: createdAt,
    data: { type: kind, id, object: { [kind]: object } },
  };
}

export const payment = (extra: Record<string, unknown> = {}) => ({
  id: PAYMENT_ID,
  created_at: '2020-02-06T21:27:30.792Z',
  updated_at: '2020-02-06T21:27:31.000Z',
  amount_money: { amount: 5000, currency: 'USD' },
  total_money: { amount: 5000, currency: 'USD' },
  approved_money: { amount: 5000, currency: 'USD' },
  status: 'COMPLETED',
  source_type: 'CARD',
  card_details: { status: 'CAPTURED' },
  location_id: 'NAQ1FHV6ZJ8YV',
  order_id: 'haOyDuHiqtAXMk0d8pDKXpL7Jg4F',
  customer_id: 'JDKYHBWT1D4F8MFH63DBMEN8Y4',
  version_token: 'bhC3b8qKJvNDdxqKzXaeDsAjS1oMFuAKxGgT32HbE6S6o',
  version: 3,
  ...extra,
});

/** The documented refund.updated refund (version 10, COMPLETED) or one in another status. */
export const refund = (status = 'COMPLETED', extra: Record<string, unknown> = {}) => ({
  id: REFUND_ID,
  created_at: '2020-02-06T21:27:41.836Z',
  updated_at: '2020-02-06T22:14:16.381Z',
  amount_money: { amount: 1000, currency: 'USD' },
  status,
  processing_fee: [
    {
      effective_at: '2020-02-06T23:27:31.000Z',
      type: 'INITIAL',
      amount_money: { amount: -59, currency: 'USD' },
    },
  ],
  location_id: 'NAQ1FHV6ZJ8YV',
  order_id: 'haOyDuHiqtAXMk0d8pDKXpL7Jg4F',
  payment_id: PAYMENT_ID,
  version: 10,
  ...extra,
});

/**
 * invoice.payment_made for an invoice with a deposit, https://developer.squareup.com/reference/square/invoices-api/webhooks/invoice.payment_made
 * and the Invoice object (payment_requests DEPOSIT + BALANCE, status PARTIALLY_PAID until the
 * balance is paid), https://developer.squareup.com/reference/square/objects/Invoice.
 */
export const depositInvoice = (status: 'PARTIALLY_PAID' | 'PAID', version: number) => ({
  id: 'inv:0-ChCHu2mZEabLeeHahQnXDjZQECY',
  version,
  location_id: 'ES0RJRZYEC39A',
  order_id: 'CAISENgvlJ6jLWAzERDzjyHVybY',
  payment_requests: [
    {
      uid: '2da7964f-f3d2-4f43-81e8-5aa220bf3355',
      request_type: 'DEPOSIT',
      due_date: '2030-01-13',
      computed_amount_money: { amount: 1000, currency: 'USD' },
      total_completed_amount_money: { amount: 1000, currency: 'USD' },
    },
    {
      uid: '3c1d9e6f-a0b2-4a9b-8f0e-6c0f4e3b2a10',
      request_type: 'BALANCE',
      due_date: '2030-01-24',
      computed_amount_money: { amount: 9000, currency: 'USD' },
      total_completed_amount_money: { amount: status === 'PAID' ? 9000 : 0, currency: 'USD' },
    },
  ],
  primary_recipient: { customer_id: 'JDKYHBWT1D4F8MFH63DBMEN8Y4' },
  invoice_number: 'inv-455',
  status,
  updated_at: '2030-01-13T21:24:10Z',
});

/**
 * The normalised payment model (schema version 1): one provider-independent shape per event type.
 * Every event carries the amount in minor units with its ISO 4217 currency (where the provider
 * states one), the customer reference, the provider's object ids, occurredAt and a link to the raw
 * stored event. Bump MODEL_VERSION on any breaking change; consumers read `version`.
 */
import * as z from 'zod/mini';
import '../zod-locale.js';

export const MODEL_VERSION = 1 as const;

/**
 * Normalised event types. The semantics are the same for every provider (docs/payments.md):
 * - `payment.authorized`: funds held, not yet captured (Adyen AUTHORISATION, Square APPROVED).
 * - `payment.processing`: the payment started and its outcome is pending (Stripe `processing`).
 * - `payment.succeeded`: money captured (a capture or a sale), never a mere authorization.
 * - `payment.failed`: an authorization or a capture failed (`failureReason`).
 * - `payment.canceled`: a payment or an authorization voided before capture.
 * - `payment.refunded`: the payment after a refund: `status` `partially_refunded` or `refunded`
 *   (absent where the provider does not say), `refundedAmount` the cumulative amount refunded
 *   where the provider states it, `refundId` and `amount` the one refund the event is about.
 * - `payment.refund_failed`: a refund of the payment failed or was reversed; the money stays captured.
 * - `refund.pending|succeeded|failed`: the refund as its own object (`object.type` `refund`, its own
 *   id and amount, `paymentId` the payment's read-model id); `failed` also covers canceled and reversed.
 * - `checkout.awaiting_payment`: the customer finished the checkout but has not paid yet (an
 *   asynchronous method); `checkout.completed` only once it is paid; `checkout.payment_failed`
 *   when that payment failed; `checkout.expired` when the session lapsed unpaid.
 * - `subscription.cancel_scheduled`: still active, set to end (`cancelAt`, `cancelAtPeriodEnd`);
 *   `subscription.canceled`: ended; `subscription.paused`; `subscription.reactivated`: active again
 *   after being paused, past due, halted or scheduled to cancel.
 * - `invoice.partially_paid`: part of the invoice was paid (a deposit), not paid in full.
 * - `dispute.opened|closed`: the dispute as its own object (its own id; `paymentId` the disputed payment).
 */
export const PAYMENT_TYPES = [
  'payment.authorized',
  'payment.processing',
  'payment.succeeded',
  'payment.failed',
  'payment.canceled',
  'payment.refunded',
  'payment.refund_failed',
  'refund.pending',
  'refund.succeeded',
  'refund.failed',
  'checkout.awaiting_payment',
  'checkout.completed',
  'checkout.payment_failed',
  'checkout.expired',
  'subscription.created',
  'subscription.updated',
  'subscription.cancel_scheduled',
  'subscription.paused',
  'subscription.reactivated',
  'subscription.canceled',
  'invoice.paid',
  'invoice.partially_paid',
  'invoice.payment_failed',
  'dispute.opened',
  'dispute.closed',
] as const;
export type PaymentType = (typeof PAYMENT_TYPES)[number];

/** The read-model object an event is about; each kind has one ordering rule per provider. */
export const OBJECT_TYPES = ['payment', 'refund', 'checkout', 'subscription', 'invoice', 'dispute'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export const Money = z.object({
  /** ISO 4217 minor units (cents), whatever the provider's own exponent; an exact integer. */
  amount: z.number().check(z.int()),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'ISO 4217 upper case')),
});
export type Money = z.infer<typeof Money>;

export const RawLink = z.object({
  /** Hookbridge event id (`evt_…`): GET /events/{id} returns the stored raw event. */
  eventId: z.string(),
  provider: z.string(),
  providerEventId: z.string(),
  providerType: z.string(),
  href: z.string(),
});

const base = {
  version: z.literal(MODEL_VERSION),
  provider: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
  /** The object this event changes in the read model. */
  object: z.object({ type: z.enum(OBJECT_TYPES), id: z.string().check(z.minLength(1)) }),
  /**
   * The provider's status word for the object, as sent (e.g. `active`, `COMPLETED`), except on
   * `payment.refunded`, where it is `refunded` or `partially_refunded` (or absent).
   */
  status: z.optional(z.string()),
  customerId: z.optional(z.string()),
  /** Every provider object id the event names: payment, charge, invoice, subscription, order… */
  ids: z.record(z.string(), z.string()),
  raw: RawLink,
};

const withAmount = { ...base, amount: Money };
const withOptionalAmount = { ...base, amount: z.optional(Money) };
/** The read-model id of the payment a refund or a dispute is about. */
const paymentRef = { paymentId: z.optional(z.string()) };

const eventSchema = <T extends PaymentType, S extends z.core.$ZodShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...shape });

export const PaymentAuthorized = eventSchema('payment.authorized', withAmount);
export const PaymentProcessing = eventSchema('payment.processing', withOptionalAmount);
/** Money captured. */
export const PaymentSucceeded = eventSchema('payment.succeeded', withAmount);
export const PaymentFailed = eventSchema('payment.failed', {
  ...withOptionalAmount,
  failureReason: z.optional(z.string()),
});
export const PaymentCanceled = eventSchema('payment.canceled', {
  ...withOptionalAmount,
  reason: z.optional(z.string()),
});
export const REFUND_STATES = ['refunded', 'partially_refunded'] as const;
export const PaymentRefunded = eventSchema('payment.refunded', {
  ...withOptionalAmount,
  /** Absent when the provider's event does not say whether the whole payment is refunded (Adyen). */
  status: z.optional(z.enum(REFUND_STATES)),
  /** Cumulative amount refunded on the payment so far, where the provider states it. */
  refundedAmount: z.optional(Money),
  /** The refund this event is about (its own amount is `amount`), where the event names one. */
  refundId: z.optional(z.string()),
});
export const PaymentRefundFailed = eventSchema('payment.refund_failed', {
  ...withOptionalAmount,
  refundId: z.optional(z.string()),
  failureReason: z.optional(z.string()),
});
/** `amount` is this refund's own amount. */
const refundShape = { ...withOptionalAmount, ...paymentRef };
export const RefundPending = eventSchema('refund.pending', refundShape);
export const RefundSucceeded = eventSchema('refund.succeeded', refundShape);
export const RefundFailed = eventSchema('refund.failed', {
  ...refundShape,
  failureReason: z.optional(z.string()),
});
export const CheckoutAwaitingPayment = eventSchema('checkout.awaiting_payment', withOptionalAmount);
/** Paid (or nothing to pay). */
export const CheckoutCompleted = eventSchema('checkout.completed', withOptionalAmount);
export const CheckoutPaymentFailed = eventSchema('checkout.payment_failed', withOptionalAmount);
export const CheckoutExpired = eventSchema('checkout.expired', withOptionalAmount);
const subscriptionShape = {
  /** Per billing period: unit price × quantity. */
  ...withOptionalAmount,
  planId: z.optional(z.string()),
  quantity: z.optional(z.number().check(z.int())),
  currentPeriodEnd: z.optional(z.iso.datetime({ offset: true })),
  cancelAtPeriodEnd: z.optional(z.boolean()),
  /** When a scheduled cancellation takes effect. */
  cancelAt: z.optional(z.iso.datetime({ offset: true })),
};
export const SubscriptionCreated = eventSchema('subscription.created', subscriptionShape);
export const SubscriptionUpdated = eventSchema('subscription.updated', subscriptionShape);
export const SubscriptionCancelScheduled = eventSchema('subscription.cancel_scheduled', subscriptionShape);
export const SubscriptionPaused = eventSchema('subscription.paused', subscriptionShape);
export const SubscriptionReactivated = eventSchema('subscription.reactivated', subscriptionShape);
/** Ended: no further billing. */
export const SubscriptionCanceled = eventSchema('subscription.canceled', subscriptionShape);
// Braintree's subscription charge may omit the currency, so an invoice amount is optional.
/** Paid in full; `amount` is the amount paid. */
export const InvoicePaid = eventSchema('invoice.paid', withOptionalAmount);
/** `amount` is the amount paid so far. */
export const InvoicePartiallyPaid = eventSchema('invoice.partially_paid', withOptionalAmount);
export const InvoicePaymentFailed = eventSchema('invoice.payment_failed', withOptionalAmount);
export const DisputeOpened = eventSchema('dispute.opened', {
  ...withAmount,
  ...paymentRef,
  reason: z.optional(z.string()),
});
export const DisputeClosed = eventSchema('dispute.closed', {
  ...withOptionalAmount,
  ...paymentRef,
  reason: z.optional(z.string()),
  outcome: z.optional(z.enum(['won', 'lost', 'accepted', 'unknown'])),
});

export const NormalisedPaymentEvent = z.discriminatedUnion('type', [
  PaymentAuthorized,
  PaymentProcessing,
  PaymentSucceeded,
  PaymentFailed,
  PaymentCanceled,
  PaymentRefunded,
  PaymentRefundFailed,
  RefundPending,
  RefundSucceeded,
  RefundFailed,
  CheckoutAwaitingPayment,
  CheckoutCompleted,
  CheckoutPaymentFailed,
  CheckoutExpired,
  SubscriptionCreated,
  SubscriptionUpdated,
  SubscriptionCancelScheduled,
  SubscriptionPaused,
  SubscriptionReactivated,
  SubscriptionCanceled,
  InvoicePaid,
  InvoicePartiallyPaid,
  InvoicePaymentFailed,
  DisputeOpened,
  DisputeClosed,
]);
export type NormalisedPaymentEvent = z.infer<typeof NormalisedPaymentEvent>;

/** An event type no mapper understands: delivered as `{provider}.raw`, never dropped. */
export const RawProviderEvent = z.object({
  type: z.string().check(z.regex(/^[a-z0-9_-]+\.raw$/)),
  version: z.literal(MODEL_VERSION),
  provider: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
  providerType: z.string(),
  /** The provider's body: parsed JSON, or the raw text when it is not JSON. */
  payload: z.unknown(),
  raw: RawLink,
});
export type RawProviderEvent = z.infer<typeof RawProviderEvent>;

export type AppPayload = NormalisedPaymentEvent | RawProviderEvent;

/**
 * A mapper's output: the normalised event plus `order`, the ordering guard's key (`orderKey` in
 * util.ts): the object kind's ordering basis, then the state's lifecycle rank. A larger key wins.
 */
export interface MappedEvent {
  event: NormalisedPaymentEvent;
  order: string;
}

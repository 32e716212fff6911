/**
 * The normalised payment model (schema version 1): one provider-independent shape per event type.
 * Every event carries the amount in minor units with its ISO 4217 currency (where the provider
 * states one), the customer reference, the provider's object ids, occurredAt and a link to the raw
 * stored event. Bump MODEL_VERSION on any breaking change; consumers read `version`.
 */
import * as z from 'zod/mini';
import '../zod-locale.js';

export const MODEL_VERSION = 1 as const;

export const PAYMENT_TYPES = [
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'checkout.completed',
  'subscription.created',
  'subscription.updated',
  'subscription.canceled',
  'invoice.paid',
  'invoice.payment_failed',
  'dispute.opened',
  'dispute.closed',
] as const;
export type PaymentType = (typeof PAYMENT_TYPES)[number];

/** The read-model object an event is about. */
export const OBJECT_TYPES = ['payment', 'checkout', 'subscription', 'invoice', 'dispute'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export const Money = z.object({
  /** Minor units (cents); exact integer, never a float of major units. */
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
   * The provider's status word for the object, as sent (e.g. `active`, `COMPLETED`); a refund
   * reads `refunded` or `partially_refunded` (its `amount` is the amount refunded so far).
   */
  status: z.optional(z.string()),
  customerId: z.optional(z.string()),
  /** Every provider object id the event names: payment, charge, invoice, subscription, order… */
  ids: z.record(z.string(), z.string()),
  raw: RawLink,
};

const withAmount = { ...base, amount: Money };
const withOptionalAmount = { ...base, amount: z.optional(Money) };

const eventSchema = <T extends PaymentType, S extends z.core.$ZodShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...shape });

export const PaymentSucceeded = eventSchema('payment.succeeded', withAmount);
export const PaymentFailed = eventSchema('payment.failed', {
  ...withOptionalAmount,
  failureReason: z.optional(z.string()),
});
export const PaymentRefunded = eventSchema('payment.refunded', {
  ...withAmount,
  refundId: z.optional(z.string()),
});
export const CheckoutCompleted = eventSchema('checkout.completed', withOptionalAmount);
const subscriptionShape = {
  ...withOptionalAmount,
  planId: z.optional(z.string()),
  currentPeriodEnd: z.optional(z.iso.datetime({ offset: true })),
  cancelAtPeriodEnd: z.optional(z.boolean()),
};
export const SubscriptionCreated = eventSchema('subscription.created', subscriptionShape);
export const SubscriptionUpdated = eventSchema('subscription.updated', subscriptionShape);
export const SubscriptionCanceled = eventSchema('subscription.canceled', subscriptionShape);
// Braintree's subscription charge may omit the currency, so an invoice amount is optional.
export const InvoicePaid = eventSchema('invoice.paid', withOptionalAmount);
export const InvoicePaymentFailed = eventSchema('invoice.payment_failed', withOptionalAmount);
export const DisputeOpened = eventSchema('dispute.opened', { ...withAmount, reason: z.optional(z.string()) });
export const DisputeClosed = eventSchema('dispute.closed', {
  ...withOptionalAmount,
  reason: z.optional(z.string()),
  outcome: z.optional(z.enum(['won', 'lost', 'accepted', 'unknown'])),
});

export const NormalisedPaymentEvent = z.discriminatedUnion('type', [
  PaymentSucceeded,
  PaymentFailed,
  PaymentRefunded,
  CheckoutCompleted,
  SubscriptionCreated,
  SubscriptionUpdated,
  SubscriptionCanceled,
  InvoicePaid,
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
 * A mapper's output: the normalised event plus `order`, a string that sorts in the provider's
 * own version / event-time order for the object (see ordering.ts). Newer state wins.
 */
export interface MappedEvent {
  event: NormalisedPaymentEvent;
  order: string;
}

import * as z from 'zod';
import { OBJECT_TYPES } from '../payments/model.js';

const TypeFilter = z
  .string()
  .min(1)
  .max(100)
  .regex(/^(\*|[a-z0-9_-]+(\.[a-z0-9_*-]+)*)$/i, 'an event type, a prefix like `payment.*`, or `*`');

export const PutDestinationBody = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .describe(
        'Where deliveries are POSTed; https, public hosts only (plain http only for HOOKBRIDGE_TEST_ALLOW_HOSTS entries in local mode)',
      ),
    types: z.array(TypeFilter).max(50).default([]).describe('Event-type filters; empty = every type'),
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64')
      .optional()
      .describe('Standard Webhooks secret; generated when absent'),
    enabled: z
      .boolean()
      .optional()
      .describe(
        'true re-enables a destination disabled by a 410, false disables it; absent keeps the current status (enabled on create)',
      ),
    description: z.string().max(500).optional(),
  })
  .strict()
  .meta({ id: 'PutDestinationBody' });

export const DestinationView = z
  .object({
    id: z.string(),
    url: z.string(),
    types: z.array(z.string()),
    secret: z.string(),
    status: z.enum(['enabled', 'disabled']),
    disabledReason: z.string().optional(),
    description: z.string().optional(),
    generation: z
      .string()
      .optional()
      .describe('New on every creation: a deleted and recreated id is a different destination'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Destination' });

export const DeliveryAttemptView = z.object({
  attempt: z.number().int(),
  round: z.number().int(),
  at: z.string(),
  status: z.number().int(),
  latencyMs: z.number().int(),
  outcome: z.enum(['delivered', 'retry', 'dead', 'gone']),
  responseExcerpt: z.string().optional(),
  error: z.string().optional(),
  nextAttemptAt: z.string().optional(),
});

export const DeliveryList = z
  .object({
    items: z.array(
      z.object({
        destinationId: z.string(),
        part: z.number().int(),
        webhookId: z.string(),
        type: z.string(),
        status: z.enum(['pending', 'delivered', 'dead']),
        round: z.number().int(),
        attempts: z.array(DeliveryAttemptView),
        nextAttemptAt: z.string().optional(),
        deadReason: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'DeliveryList' });

export const ReplayEventBody = z
  .object({ destinationId: z.string().min(1).max(128).optional() })
  .strict()
  .meta({ id: 'ReplayEventBody' });

export const Queued = z.object({ queued: z.number().int() });

const Iso = z.iso.datetime({ offset: true });

export const StartReplayBody = z
  .object({
    id: z
      .string()
      .regex(/^rpl_[A-Za-z0-9_-]{1,60}$/, 'must be rpl_ + up to 60 of A-Z a-z 0-9 _ -')
      .optional()
      .describe('Resume (or idempotently create) the job with this id'),
    from: Iso,
    to: Iso,
    provider: z.string().min(1).max(64).optional(),
    type: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("The provider's raw event type, e.g. `charge.refunded`"),
    normalisedType: TypeFilter.optional().describe(
      'The normalised type, e.g. `payment.succeeded`, a prefix like `payment.*`, or `stripe.raw`; only matching parts are replayed',
    ),
    destinationId: z.string().min(1).max(128).optional(),
  })
  .strict()
  .refine((b) => Date.parse(b.from) <= Date.parse(b.to), {
    message: 'from must not be after to',
    path: ['from'],
  })
  .meta({ id: 'StartReplayBody' });

export const ReplayView = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'done']),
    from: z.string(),
    to: z.string(),
    provider: z.string().optional(),
    type: z.string().optional(),
    normalisedType: z.string().optional(),
    destinationId: z.string().optional(),
    pages: z.number().int(),
    eventsScanned: z.number().int(),
    deliveriesQueued: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Replay' });

export const PaymentObjectView = z
  .object({
    provider: z.string(),
    objectType: z.enum(OBJECT_TYPES),
    objectId: z.string(),
    status: z.string().optional(),
    customerId: z.string().optional(),
    amount: z.object({ amount: z.number().int(), currency: z.string() }).optional(),
    lastType: z.string(),
    lastEventId: z.string(),
    occurredAt: z.string(),
    updatedAt: z.string(),
    event: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'PaymentObject' });

export const PaymentObjectList = z
  .object({ items: z.array(PaymentObjectView) })
  .meta({ id: 'PaymentObjectList' });

export const ProviderQuery = z
  .object({ provider: z.string().min(1).max(64).optional() })
  .meta({ id: 'ProviderQuery' });

import * as z from 'zod/mini';
import { OBJECT_TYPES } from '../payments/model.js';
import '../zod-locale.js';
import { listOf } from './common.js';

const TypeFilter = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(100),
    z.regex(/^(\*|[a-z0-9_-]+(\.[a-z0-9_*-]+)*)$/i, 'an event type, a prefix like `payment.*`, or `*`'),
  );
/** base64 of 24-64 bytes: 8-20 groups of four and an optional padded tail, or 21 groups and at most a one-byte tail. */
const WHSEC_24_TO_64_BYTES =
  /^whsec_(?:(?:[A-Za-z0-9+/]{4}){8,20}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?|(?:[A-Za-z0-9+/]{4}){21}(?:[A-Za-z0-9+/]{2}==)?)$/;
const Int = () => z.number().check(z.int());
const Str = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

export const PutDestinationBody = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .check(
        z.maxLength(2048),
        z.describe(
          'Where deliveries are POSTed; https, public hosts only (plain http only for HOOKBRIDGE_TEST_ALLOW_HOSTS entries in local mode)',
        ),
      ),
    types: z
      ._default(z.array(TypeFilter).check(z.maxLength(50)), [])
      .check(z.describe('Event-type filters; empty = every type')),
    secret: z
      .optional(
        z
          .string()
          .check(
            z.regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64'),
            z.regex(WHSEC_24_TO_64_BYTES, 'the key after whsec_ must be 24-64 bytes of base64'),
          ),
      )
      .check(
        z.describe('Standard Webhooks secret: whsec_ + base64 of a 24-64 byte key; generated when absent'),
      ),
    enabled: z
      .optional(z.boolean())
      .check(
        z.describe(
          'true re-enables a destination disabled by a 410, false disables it; absent keeps the current status (enabled on create)',
        ),
      ),
    description: z.optional(z.string().check(z.maxLength(500))),
  })
  .register(z.globalRegistry, { id: 'PutDestinationBody' });

export const DestinationView = z
  .object({
    id: z.string(),
    url: z.string(),
    types: z.array(z.string()),
    secret: z.string(),
    status: z.enum(['enabled', 'disabled']),
    disabledReason: z.optional(z.string()),
    description: z.optional(z.string()),
    generation: z
      .optional(z.string())
      .check(z.describe('New on every creation: a deleted and recreated id is a different destination')),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .register(z.globalRegistry, { id: 'Destination' });

export const DestinationList = listOf(DestinationView, 'DestinationList');

export const DeliveryAttemptView = z.object({
  attempt: Int(),
  round: Int(),
  at: z.string(),
  status: Int(),
  latencyMs: Int(),
  outcome: z.enum(['delivered', 'retry', 'dead', 'gone']),
  responseExcerpt: z.optional(z.string()),
  error: z.optional(z.string()),
  nextAttemptAt: z.optional(z.string()),
});

export const DeliveryList = z
  .object({
    items: z.array(
      z.object({
        destinationId: z.string(),
        part: Int(),
        webhookId: z.string(),
        type: z.string(),
        status: z.enum(['pending', 'delivered', 'dead']),
        round: Int(),
        attempts: z.array(DeliveryAttemptView),
        nextAttemptAt: z.optional(z.string()),
        deadReason: z.optional(z.string()),
      }),
    ),
  })
  .register(z.globalRegistry, { id: 'DeliveryList' });

export const ReplayEventBody = z
  .strictObject({ destinationId: z.optional(Str(1, 128)) })
  .register(z.globalRegistry, { id: 'ReplayEventBody' });

export const Queued = z.object({ queued: Int() });

const Iso = z.iso.datetime({ offset: true });

export const StartReplayBody = z
  .strictObject({
    id: z
      .optional(
        z.string().check(z.regex(/^rpl_[A-Za-z0-9_-]{1,60}$/, 'must be rpl_ + up to 60 of A-Z a-z 0-9 _ -')),
      )
      .check(z.describe('Resume (or idempotently create) the job with this id')),
    from: Iso.check(z.describe('Inclusive start of the receivedAt range; must not be after to')),
    to: Iso.check(z.describe('Inclusive end of the receivedAt range')),
    provider: z.optional(Str(1, 64)),
    type: z.optional(Str(1, 200)).check(z.describe("The provider's raw event type, e.g. `charge.refunded`")),
    normalisedType: z
      .optional(TypeFilter)
      .check(
        z.describe(
          'The normalised type, e.g. `payment.succeeded`, a prefix like `payment.*`, or `stripe.raw`; only matching parts are replayed',
        ),
      ),
    destinationId: z.optional(Str(1, 128)),
  })
  .check(
    z.refine((b: { from: string; to: string }) => Date.parse(b.from) <= Date.parse(b.to), {
      message: 'from must not be after to',
      path: ['from'],
    }),
  )
  .register(z.globalRegistry, {
    id: 'StartReplayBody',
    description: 'from <= to (compared as instants), else 400 invalid_request',
  });

export const ReplayView = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'done']),
    from: z.string(),
    to: z.string(),
    provider: z.optional(z.string()),
    type: z.optional(z.string()),
    normalisedType: z.optional(z.string()),
    destinationId: z.optional(z.string()),
    pages: Int(),
    eventsScanned: Int(),
    deliveriesQueued: Int(),
    cursor: z
      .optional(z.string())
      .check(z.describe('While running: where the next page of events starts (opaque; absent when done)')),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .register(z.globalRegistry, { id: 'Replay' });

export const ReplayList = listOf(ReplayView, 'ReplayList');

export const PaymentObjectView = z
  .object({
    provider: z.string(),
    objectType: z.enum(OBJECT_TYPES),
    objectId: z.string(),
    status: z.optional(z.string()),
    customerId: z.optional(z.string()),
    amount: z.optional(z.object({ amount: Int(), currency: z.string() })),
    lastType: z.string(),
    lastEventId: z.string(),
    occurredAt: z.string(),
    updatedAt: z.string(),
    event: z.record(z.string(), z.unknown()),
  })
  .register(z.globalRegistry, { id: 'PaymentObject' });

export const PaymentObjectList = z
  .object({ items: z.array(PaymentObjectView) })
  .register(z.globalRegistry, { id: 'PaymentObjectList' });

export const ProviderQuery = z.object({
  provider: z
    .optional(Str(1, 64))
    .check(
      z.describe('Which provider’s object, when several providers have one with this id (else 409 conflict)'),
    ),
});

import * as z from 'zod/mini';
import { CIRCUIT_DEFAULTS, CIRCUIT_STATES } from '../delivery/circuit.js';
import { DESTINATION_TYPES, PULL_MAX_WAIT_SEC } from '../delivery/types.js';
import { OBJECT_TYPES } from '../payments/model.js';
import '../zod-locale.js';
import { CursorParam, decimalParam, limitParam, listOf } from './common.js';

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
const IntIn = (min: number, max: number, what: string) =>
  Int().check(z.gte(min), z.lte(max), z.describe(`${what} (${min}-${max})`));

const RateLimit = z
  .strictObject({
    perSecond: z
      .number()
      .check(
        z.gte(0.01),
        z.lte(1000),
        z.describe('Attempts started per second, 0.01 to 1000 (0.5 = one every 2 s)'),
      ),
  })
  .check(
    z.describe(
      'At most perSecond attempts start per second, across every deliveries-send invocation; the rest wait (not counted as attempts)',
    ),
  );

const d = CIRCUIT_DEFAULTS;
const CircuitBreakerSettings = z.strictObject({
  enabled: z.optional(z.boolean()).check(z.describe(`false: never opens (default ${d.enabled})`)),
  consecutiveFailures: z.optional(
    IntIn(1, 1000, `Opens after this many failed attempts in a row (default ${d.consecutiveFailures})`),
  ),
  failureRatio: z.optional(
    z
      .number()
      .check(
        z.gte(0.01),
        z.lte(1),
        z.describe(
          `...or when this share of a window's attempts failed, 0.01 to 1 (default ${d.failureRatio})`,
        ),
      ),
  ),
  minAttempts: z.optional(
    IntIn(1, 10_000, `The ratio counts once a window has this many attempts (default ${d.minAttempts})`),
  ),
  windowSeconds: z.optional(
    IntIn(1, 3600, `A window starts at a failure and lasts this long (default ${d.windowSeconds})`),
  ),
  coolDownSeconds: z.optional(
    IntIn(
      1,
      86_400,
      `An open circuit waits this long before one probe attempt (default ${d.coolDownSeconds})`,
    ),
  ),
});

type Limits = { type?: string; rateLimit?: unknown; maxInFlight?: unknown };
const httpOnly = (field: 'rateLimit' | 'maxInFlight') =>
  z.refine<Limits>((b) => b.type !== 'pull' || b[field] == null, {
    message: 'only for an http destination (a pull destination is not sent to)',
    path: [field],
  });

export const PutDestinationBody = z
  .strictObject({
    type: z
      .optional(z.enum(DESTINATION_TYPES))
      .check(
        z.describe(
          'http (default): each delivery is a signed POST to url. pull: deliveries are kept for GET /destinations/{id}/messages (no url)',
        ),
      ),
    url: z
      .optional(
        z
          .url({ protocol: /^https?$/ })
          .check(
            z.maxLength(2048),
            z.describe(
              'Where deliveries are POSTed; https, public hosts only (plain http only for HOOKBRIDGE_TEST_ALLOW_HOSTS entries in local mode)',
            ),
          ),
      )
      .check(z.describe('Required for an http destination; not allowed on a pull destination')),
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
    rateLimit: z
      .optional(z.nullable(RateLimit))
      .check(z.describe('Absent keeps the current limit (none on create); null removes it')),
    maxInFlight: z
      .optional(
        z.nullable(
          IntIn(
            1,
            100,
            'At most this many attempts in flight at once, across every deliveries-send invocation',
          ),
        ),
      )
      .check(z.describe('Absent keeps the current ceiling (none on create); null removes it')),
    circuitBreaker: z
      .optional(z.nullable(CircuitBreakerSettings))
      .check(
        z.describe(
          'Circuit breaker settings, unset ones at their defaults (docs/delivery.md#circuit-breaker); absent keeps the current ones, null resets them all',
        ),
      ),
  })
  .check(
    httpOnly('rateLimit'),
    httpOnly('maxInFlight'),
    z.refine((b: { type?: string; url?: string }) => b.type === 'pull' || b.url !== undefined, {
      message: 'required for an http destination',
      path: ['url'],
    }),
    z.refine((b: { type?: string; url?: string }) => b.type !== 'pull' || b.url === undefined, {
      message: 'a pull destination has no url',
      path: ['url'],
    }),
  )
  .register(z.globalRegistry, {
    id: 'PutDestinationBody',
    description:
      'url is required for an http destination and not allowed on a pull one (else 400 invalid_request)',
  });

export const DestinationView = z
  .object({
    id: z.string(),
    type: z.enum(DESTINATION_TYPES),
    url: z.optional(z.string()).check(z.describe('http destinations only')),
    types: z.array(z.string()),
    secret: z
      .string()
      .check(
        z.describe('Signs each delivery (Standard Webhooks); a pull consumer signs what it forwards with it'),
      ),
    status: z.enum(['enabled', 'disabled']),
    disabledReason: z.optional(z.string()),
    description: z.optional(z.string()),
    generation: z
      .optional(z.string())
      .check(z.describe('New on every creation: a deleted and recreated id is a different destination')),
    rateLimit: z.optional(z.object({ perSecond: z.number() })),
    maxInFlight: z.optional(z.number()),
    circuitBreaker: z
      .object({
        enabled: z.boolean(),
        consecutiveFailures: z.number(),
        failureRatio: z.number(),
        minAttempts: z.number(),
        windowSeconds: z.number(),
        coolDownSeconds: z.number(),
      })
      .check(z.describe('The breaker settings in force (the defaults for any not set)')),
    circuit: z
      .object({
        state: z.enum(CIRCUIT_STATES),
        reason: z.optional(z.string()).check(z.describe('Why it opened (open, half_open)')),
        openedAt: z.optional(z.string()),
        nextProbeAt: z
          .optional(z.string())
          .check(z.describe('When one probe attempt goes (open); deliveries wait until it succeeded')),
      })
      .check(
        z.describe('The circuit breaker: closed (attempts go), open (they wait), half_open (one probe runs)'),
      ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .register(z.globalRegistry, { id: 'Destination' });

export const DestinationList = listOf(DestinationView, 'DestinationList');

/** `GET /destinations/{id}/messages?after=&limit=&wait=`. */
export const PullQuery = z.strictObject({
  after: CursorParam.check(
    z.describe(
      'The next of the previous answer, which acknowledges every message before it; absent = from the oldest message kept (else 400 invalid_cursor)',
    ),
  ),
  limit: limitParam(100),
  wait: decimalParam(0, PULL_MAX_WAIT_SEC, 0).check(
    z.describe(
      `Seconds to wait for a first message (a plain decimal, 0 to ${PULL_MAX_WAIT_SEC}); 0 answers at once, and an answer comes as soon as there is one`,
    ),
  ),
});

export const PullMessageList = z
  .object({
    items: z
      .array(
        z.object({
          webhookId: z
            .string()
            .check(z.describe('The webhook-id HTTP delivery signs: the same across replays, for dedupe')),
          type: z.string(),
          timestamp: z.string(),
          data: z
            .record(z.string(), z.unknown())
            .check(
              z.describe(
                'The app payload; one over 4 MB is a reference instead ({type, ref, sizeBytes, truncated})',
              ),
            ),
        }),
      )
      .check(z.describe('In delivery order; a replay is delivered again as a new message')),
    next: z
      .string()
      .check(
        z.describe(
          'Pass as ?after= to acknowledge these messages and get the next ones; unchanged when there are none',
        ),
      ),
  })
  .register(z.globalRegistry, { id: 'PullMessageList' });

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

/** `GET /destinations/{id}/deliveries?status=&limit=&cursor=`. */
export const DestinationDeliveriesQuery = z.strictObject({
  status: z
    ._default(z.enum(['dead', 'pending']), 'dead')
    .check(
      z.describe(
        'dead (default): the dead letters a redrive would send again; pending: deliveries waiting for a first or next attempt',
      ),
    ),
  limit: limitParam(100),
  cursor: CursorParam,
});

export const DestinationDeliveryList = listOf(
  z.object({
    eventId: z.string(),
    part: Int(),
    webhookId: z.string(),
    type: z.string(),
    status: z.enum(['pending', 'delivered', 'dead']),
    round: Int(),
    attempts: Int().check(z.describe('Attempts made in the current round')),
    lastStatus: z.optional(Int()).check(z.describe('HTTP status of the last attempt; 0 = no answer')),
    lastError: z.optional(z.string()),
    nextAttemptAt: z.optional(z.string()),
    deadReason: z.optional(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  'DestinationDeliveryList',
);

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

const Count = Int().check(z.minimum(0));
const oldestPending = {
  oldestPendingAt: z.optional(
    z.string().check(z.describe('When the oldest pending delivery was queued or last rescheduled')),
  ),
  oldestPendingAgeSec: z.optional(Count),
  capped: z.optional(
    z.literal(true).check(z.describe('A list was counted only up to 1,000: there are at least this many')),
  ),
};

export const PipelineHealthQuery = z.strictObject({
  limit: limitParam(50, 20).check(z.describe('Destinations counted per page (each costs 32 index queries)')),
  cursor: CursorParam,
});

export const PipelineHealth = z
  .object({
    checkedAt: z.string(),
    totals: z
      .object({ pending: Count, deadLetters: Count, ...oldestPending })
      .check(
        z.describe("The sums over this page's destinations (every destination when there is no cursor)"),
      ),
    destinations: z.array(
      z.object({
        id: z.string(),
        status: z.enum(['enabled', 'disabled']),
        pending: Count.check(z.describe('Deliveries waiting for their next attempt')),
        deadLetters: Count.check(
          z.describe('Deliveries that gave up (POST /destinations/{id}/redrive sends them again)'),
        ),
        ...oldestPending,
      }),
    ),
    queues: z.optional(
      z
        .array(
          z.object({
            name: z.string(),
            role: z.enum(['delivery', 'dead-letter']),
            visible: Count,
            inFlight: Count,
            delayed: Count,
          }),
        )
        .check(z.describe("The queues' depths: SQS's approximate counts on AWS, the local queue's locally")),
    ),
    queuesUnknown: z.optional(z.string().check(z.describe('Why the queue depths are not known'))),
    cursor: z.optional(z.string().check(z.describe('More destinations: pass as ?cursor= for the next page'))),
  })
  .register(z.globalRegistry, { id: 'PipelineHealth' });

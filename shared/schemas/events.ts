import * as z from 'zod/mini';
import '../zod-locale.js';
import { CursorParam, limitParam, listOf } from './common.js';

const Iso = z.iso.datetime({ offset: true });
const name = (max: number) => z.optional(z.string().check(z.minLength(1), z.maxLength(max)));

export const ListEventsQuery = z
  .strictObject({
    provider: name(64),
    source: name(64),
    type: name(200),
    eventId: name(255).check(
      z.describe(
        "the provider's own event id (exact); a filter on the page read, so combine it with provider or a time range on a busy account",
      ),
    ),
    from: z
      .optional(Iso)
      .check(
        z.describe(
          'inclusive lower bound on receivedAt (ISO 8601, any offset; compared as an instant); must not be after to',
        ),
      ),
    to: z
      .optional(Iso)
      .check(
        z.describe('inclusive upper bound on receivedAt (ISO 8601, any offset; compared as an instant)'),
      ),
    limit: limitParam(200),
    cursor: CursorParam,
  })
  .check(
    // An inverted range is the caller's mistake, not an empty page (nor a store error).
    z.refine(
      (q: { from?: string | undefined; to?: string | undefined }) =>
        q.from === undefined || q.to === undefined || Date.parse(q.from) <= Date.parse(q.to),
      { message: 'from must not be after to', path: ['from'] },
    ),
  );

export const EventSummary = z
  .object({
    id: z.string(),
    provider: z.string(),
    source: z.string(),
    eventId: z.string(),
    type: z.string(),
    occurredAt: z.optional(z.string()),
    receivedAt: z.string(),
    bodySha256: z.string(),
    bodySize: z.number().check(z.int()),
    contentType: z.optional(z.string()),
    flagged: z.optional(z.literal('body_mismatch')),
  })
  .register(z.globalRegistry, { id: 'EventSummary' });

export const EventList = listOf(EventSummary, 'EventList');

export const NormalisedPart = z
  .object({
    part: z.number().check(z.int(), z.minimum(0)),
    webhookId: z
      .string()
      .check(z.describe('The Standard Webhooks webhook-id destinations receive for this part')),
    type: z
      .string()
      .check(z.describe('The normalised type (GET /event-types), e.g. `payment.succeeded` or `stripe.raw`')),
    payload: z.optional(
      z
        .unknown()
        .check(z.describe('The JSON body destinations receive for this part (see GET /event-types)')),
    ),
    payloadOmitted: z.optional(
      z
        .literal(true)
        .check(
          z.describe('A `{provider}.raw` payload of a body over 256 KiB is left out: it is the body itself'),
        ),
    ),
  })
  .register(z.globalRegistry, { id: 'NormalisedPart' });

export const EventDetail = z
  .extend(EventSummary, {
    headers: z.record(z.string(), z.string()),
    body: z.string().check(z.describe('the raw body: UTF-8 text when bodyEncoding is utf8, else base64')),
    bodyEncoding: z.enum(['utf8', 'base64']),
    normalised: z
      .array(NormalisedPart)
      .check(
        z.describe(
          'What the pipeline derived from the body, one item per part (an Adyen batch has several): each delivered as its own webhook',
        ),
      ),
    via: z
      .enum(['webhook', 'reconciliation'])
      .check(
        z.describe(
          'webhook: received and verified; reconciliation: listed from the provider’s events API by a reconciler (the body is that API’s JSON of the event)',
        ),
      ),
    verification: z
      .optional(
        z.object({
          secretName: z.string(),
          matchedSecret: z.number().check(z.int(), z.describe('index into the secret’s "secrets" list')),
        }),
      )
      .check(z.describe('via webhook: the secret that verified the signature')),
    reconciliation: z
      .optional(z.object({ reconcilerId: z.string() }))
      .check(z.describe('via reconciliation: the reconciler that stored it (GET /reconcilers/{id})')),
  })
  .register(z.globalRegistry, { id: 'EventDetail' });

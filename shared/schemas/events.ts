import * as z from 'zod';

const Iso = z.iso.datetime({ offset: true });

export const ListEventsQuery = z.strictObject({
  provider: z.string().min(1).max(64).optional(),
  source: z.string().min(1).max(64).optional(),
  type: z.string().min(1).max(200).optional(),
  from: Iso.optional().describe(
    'inclusive lower bound on receivedAt (ISO 8601, any offset; compared as an instant)',
  ),
  to: Iso.optional().describe(
    'inclusive upper bound on receivedAt (ISO 8601, any offset; compared as an instant)',
  ),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional().describe('opaque; from the previous page'),
});

export const EventSummary = z
  .object({
    id: z.string(),
    provider: z.string(),
    source: z.string(),
    eventId: z.string(),
    type: z.string(),
    occurredAt: z.string().optional(),
    receivedAt: z.string(),
    bodySha256: z.string(),
    bodySize: z.number().int(),
    contentType: z.string().optional(),
    flagged: z.literal('body_mismatch').optional(),
  })
  .meta({ id: 'EventSummary' });

export const EventList = z.object({ items: z.array(EventSummary), cursor: z.string().optional() });

export const EventDetail = EventSummary.extend({
  headers: z.record(z.string(), z.string()),
  body: z.string().describe('the raw body: UTF-8 text when bodyEncoding is utf8, else base64'),
  bodyEncoding: z.enum(['utf8', 'base64']),
  verification: z.object({
    secretName: z.string(),
    matchedSecret: z.number().int().describe('index into the secret’s "secrets" list'),
  }),
}).meta({ id: 'EventDetail' });

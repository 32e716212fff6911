/** What the events routes show of a stored event: a summary in lists, everything but secrets in detail. */
import { partsOf } from '../delivery/process.js';
import { HookbridgeError } from '../errors.js';
import type { EventRepo } from '../ports/stores.js';
import { DEFAULT_SOURCE, webhookSecretName } from '../webhooks/names.js';
import type { EventRecord } from './record.js';

/** A `{provider}.raw` part's payload is the body itself; above this size it is left out (the body is there). */
export const RAW_PAYLOAD_MAX_BYTES = 256 * 1024;

/**
 * What the pipeline derives from a stored event (the same pure step as events-process): each part
 * with its webhook-id, normalised type and the payload destinations receive.
 */
export function normalisedParts(record: EventRecord, body: Buffer) {
  return partsOf(record, body).map(({ part, webhookId, payload }) => {
    const omit = payload.type.endsWith('.raw') && body.length > RAW_PAYLOAD_MAX_BYTES;
    return omit
      ? { part, webhookId, type: payload.type, payloadOmitted: true }
      : { part, webhookId, type: payload.type, payload };
  });
}

export const eventSummary = ({
  headers: _h,
  matchedSecret: _m,
  via: _v,
  reconcilerId: _r,
  ...rest
}: EventRecord) => rest;

/** How the event came in: a verified webhook, or a reconciler's listing of the provider's events API. */
const provenance = (record: EventRecord) =>
  record.via === 'reconciliation'
    ? { via: 'reconciliation' as const, reconciliation: { reconcilerId: record.reconcilerId ?? '' } }
    : {
        via: 'webhook' as const,
        verification: {
          secretName: webhookSecretName(
            record.provider,
            record.source === DEFAULT_SOURCE ? undefined : record.source,
          ),
          matchedSecret: record.matchedSecret,
        },
      };

/** The record, its headers, the raw body (utf8 when it is valid UTF-8, else base64), how it came in (verified how, or reconciled by whom) and its normalised parts. */
export async function eventDetail(events: Pick<EventRepo, 'getWithBody'>, id: string) {
  const found = await events.getWithBody(id);
  if (!found) throw new HookbridgeError('not_found', `No event ${id}`);
  const { record, body: raw } = found;
  const text = raw.toString('utf8');
  const utf8 = Buffer.byteLength(text) === raw.length && Buffer.from(text, 'utf8').equals(raw);
  return {
    ...eventSummary(record),
    headers: record.headers,
    body: utf8 ? text : raw.toString('base64'),
    bodyEncoding: utf8 ? 'utf8' : 'base64',
    normalised: normalisedParts(record, raw),
    ...provenance(record),
  };
}

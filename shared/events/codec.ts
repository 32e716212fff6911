import type { EventRecord } from './record.js';

/**
 * A stored event item (GetItem, Query, or a stream NEW_IMAGE after unmarshall) -> EventRecord. In
 * the core, so events-process decodes a stream image without the store.
 */
export function recordFromItem(item: Record<string, unknown>): EventRecord {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    id: String(item.id),
    provider: String(item.provider),
    source: String(item.source),
    eventId: String(item.eventId),
    type: String(item.type),
    occurredAt: str(item.occurredAt),
    receivedAt: String(item.receivedAt),
    bodySha256: String(item.bodySha256),
    bodySize: Number(item.bodySize),
    contentType: str(item.contentType),
    headers: (item.headers as Record<string, string> | undefined) ?? {},
    matchedSecret: Number(item.matchedSecret ?? 0),
    flagged: item.flagged === 'body_mismatch' ? 'body_mismatch' : undefined,
    via: item.via === 'reconciliation' ? 'reconciliation' : undefined,
    reconcilerId: str(item.reconcilerId),
  };
}

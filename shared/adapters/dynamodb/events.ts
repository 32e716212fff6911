/**
 * EventStore: the durable, exactly-once store for received webhook events.
 *
 * Body storage: the raw body is gzipped. Up to BODY_INLINE_LIMIT compressed bytes it lives in the
 * event item's `body` (Binary). Larger bodies (API Gateway allows 10 MB) are split into chunk items
 * `pk=eventPk(id), sk=body#<sha256 prefix>#0001…` written BEFORE the event item, so the event item's
 * conditional put is the commit point and a stream reader always sees a complete event. The body
 * hash in the chunk key means a same-id delivery with a different body never overwrites the
 * original chunks, and a redelivery finds the live event first and writes no chunks at all.
 * Chunk items have kind `event_body`, so the stream filter ignores them.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { HookbridgeError } from '../../errors.js';
import { EVENT_KIND, EVENT_SK, type EventRecord, eventPk } from '../../events/record.js';
import { isConditionalCheckFailed, queryAll, storeCall } from './client.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/** Compressed bytes kept inline; the rest of the 400 KB item limit is left for headers and fields. */
export const BODY_INLINE_LIMIT = 300 * 1024;
const CHUNK_KIND = 'event_body';
const LIST_GSI = { all: 'gsi1', byProvider: 'gsi2' } as const;

export type PutOutcome = 'stored' | 'duplicate' | 'duplicate_mismatch';

export interface EventFilters {
  provider?: string | undefined;
  source?: string | undefined;
  type?: string | undefined;
  /** ISO 8601 inclusive bounds on receivedAt. */
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
}

export interface EventPage {
  items: EventRecord[];
  cursor?: string | undefined;
}

export interface EventStoreOptions {
  retentionDays: number;
  now: () => number;
}

const chunkPrefix = (sha256Hex: string) => `body#${sha256Hex.slice(0, 16)}#`;

export class EventStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly opts: EventStoreOptions,
  ) {}

  /**
   * Conditional put keyed on the record id (derived from provider, source and event id). An item
   * whose `ttl` has passed counts as absent (dynalite never expires items; DynamoDB may lag).
   */
  async put(record: EventRecord, rawBody: Buffer): Promise<PutOutcome> {
    const nowSec = Math.floor(this.opts.now() / 1000);
    const ttl = nowSec + this.opts.retentionDays * 86_400;
    const gz = gzipSync(rawBody, { level: rawBody.length > 64 * 1024 ? 1 : 6 });
    const pk = eventPk(record.id);
    const item: Record<string, unknown> = {
      pk,
      sk: EVENT_SK,
      kind: EVENT_KIND,
      gsi1pk: 'events',
      gsi1sk: `${record.receivedAt}#${record.id}`,
      gsi2pk: `events#${record.provider}`,
      gsi2sk: `${record.receivedAt}#${record.id}`,
      ttl,
      bodyEncoding: 'gzip',
      ...record,
    };
    if (gz.length <= BODY_INLINE_LIMIT) {
      item.body = gz;
    } else {
      // A redelivery of a large event must not rewrite megabytes of chunks: look first (a small
      // projection). The conditional put below stays the commit point for a race.
      const prior = await this.rawItem(record.id, ['pk', 'ttl', 'bodySha256', 'flagged']);
      if (prior && !this.expired(prior)) return this.duplicateOutcome(prior, record);
      const prefix = chunkPrefix(record.bodySha256);
      const count = Math.ceil(gz.length / BODY_INLINE_LIMIT);
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          storeCall(() =>
            this.ddb.send(
              new PutCommand({
                TableName: this.table,
                Item: {
                  pk,
                  sk: `${prefix}${String(i + 1).padStart(4, '0')}`,
                  kind: CHUNK_KIND,
                  ttl,
                  data: gz.subarray(i * BODY_INLINE_LIMIT, (i + 1) * BODY_INLINE_LIMIT),
                },
              }),
            ),
          ),
        ),
      );
      item.bodyChunks = count;
    }
    if (await this.insert(item)) return 'stored';
    // An expired item DynamoDB has not removed yet counts as absent. Overwriting it would be a
    // MODIFY on the stream, which the processor's filter (INSERT only) drops: delete it first,
    // conditional on its ttl still being past, so the new put is an INSERT and gets processed.
    let existing = await this.rawItem(record.id);
    if (existing && this.expired(existing)) {
      await this.deleteIfExpired(record.id, nowSec);
      if (await this.insert(item)) return 'stored';
      existing = await this.rawItem(record.id);
    }
    if (!existing || this.expired(existing)) return 'duplicate';
    return this.duplicateOutcome(existing, record);
  }

  /** A live item already holds this id: a duplicate, flagged when the body differs. */
  private async duplicateOutcome(
    existing: Record<string, unknown>,
    record: EventRecord,
  ): Promise<PutOutcome> {
    if (existing.bodySha256 === record.bodySha256) return 'duplicate';
    if (existing.flagged !== 'body_mismatch') await this.flagMismatch(record.id);
    return 'duplicate_mismatch';
  }

  /** Puts the event item only if no item has its key: the put is then an INSERT on the stream. */
  private async insert(item: Record<string, unknown>): Promise<boolean> {
    try {
      await storeCall(() =>
        this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      return false;
    }
  }

  /** Removes an expired event item; a concurrent writer that already replaced it wins (no-op). */
  private async deleteIfExpired(id: string, nowSec: number): Promise<void> {
    try {
      await storeCall(() =>
        this.ddb.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { pk: eventPk(id), sk: EVENT_SK },
            ConditionExpression: '#ttl < :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':now': nowSec },
          }),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  private async flagMismatch(id: string): Promise<void> {
    try {
      await storeCall(() =>
        this.ddb.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: eventPk(id), sk: EVENT_SK },
            UpdateExpression: 'SET flagged = :f',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':f': 'body_mismatch' },
          }),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async getItem(id: string): Promise<Record<string, unknown> | undefined> {
    const item = await this.rawItem(id);
    if (!item || this.expired(item)) return undefined;
    return item;
  }

  private async rawItem(id: string, attributes?: string[]): Promise<Record<string, unknown> | undefined> {
    const out = await storeCall(() =>
      this.ddb.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: eventPk(id), sk: EVENT_SK },
          ConsistentRead: true,
          ...(attributes
            ? {
                ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
              }
            : {}),
        }),
      ),
    );
    return out.Item;
  }

  async getWithBody(id: string): Promise<{ record: EventRecord; body: Buffer } | undefined> {
    const item = await this.getItem(id);
    return item ? { record: EventStore.recordFromItem(item), body: await this.getBody(item) } : undefined;
  }

  async get(id: string): Promise<EventRecord | undefined> {
    const item = await this.getItem(id);
    return item ? EventStore.recordFromItem(item) : undefined;
  }

  /** The exact raw body bytes; checks them against the stored sha256. */
  async getBody(idOrItem: string | EventRecord | Record<string, unknown>): Promise<Buffer> {
    const item =
      typeof idOrItem === 'string'
        ? await this.getItem(idOrItem)
        : 'body' in idOrItem || 'bodyChunks' in idOrItem
          ? (idOrItem as Record<string, unknown>)
          : await this.getItem((idOrItem as EventRecord).id);
    if (!item) throw new HookbridgeError('not_found', 'No such event');
    let gz: Buffer;
    if (item.body !== undefined) {
      gz = Buffer.from(item.body as Uint8Array);
    } else {
      const count = Number(item.bodyChunks ?? 0);
      const prefix = chunkPrefix(String(item.bodySha256));
      const chunks = await queryAll(this.ddb, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': item.pk, ':p': prefix },
        ConsistentRead: true,
      });
      const parts = chunks.map((c) => Buffer.from(c.data as Uint8Array));
      if (parts.length !== count) throw new HookbridgeError('internal', 'Event body chunks are incomplete');
      gz = Buffer.concat(parts);
    }
    const raw = item.bodyEncoding === 'gzip' ? gunzipSync(gz) : gz;
    if (createHash('sha256').update(raw).digest('hex') !== item.bodySha256)
      throw new HookbridgeError('internal', 'Stored event body does not match its sha256');
    return raw;
  }

  /** Newest first. Filters by provider use gsi2, others gsi1; the cursor is opaque base64url. */
  async list(filters: EventFilters = {}, cursor?: string): Promise<EventPage> {
    const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
    const names: Record<string, string> = { '#ttl': 'ttl' };
    const values: Record<string, unknown> = { ':now': Math.floor(this.opts.now() / 1000) };
    const byProvider = filters.provider !== undefined;
    const [pkName, skName] = byProvider ? ['gsi2pk', 'gsi2sk'] : ['gsi1pk', 'gsi1sk'];
    const partition = byProvider ? `events#${filters.provider}` : 'events';
    values[':p'] = partition;
    let key = `${pkName} = :p`;
    // sk = receivedAt#id, receivedAt in UTC with milliseconds: bounds are compared as text, so
    // they get the same form (an offset or missing milliseconds would compare wrongly).
    const from = utcBound(filters.from, 'from');
    // '~' sorts after every id character, so `to` is inclusive.
    const to = filters.to === undefined ? undefined : `${utcBound(filters.to, 'to')}~`;
    if (from !== undefined && to !== undefined) {
      key += ` AND ${skName} BETWEEN :from AND :to`;
      values[':from'] = from;
      values[':to'] = to;
    } else if (from !== undefined) {
      key += ` AND ${skName} >= :from`;
      values[':from'] = from;
    } else if (to !== undefined) {
      key += ` AND ${skName} <= :to`;
      values[':to'] = to;
    }
    const conds = ['#ttl > :now'];
    if (filters.source !== undefined) {
      conds.push('#source = :source');
      names['#source'] = 'source';
      values[':source'] = filters.source;
    }
    if (filters.type !== undefined) {
      conds.push('#type = :type');
      names['#type'] = 'type';
      values[':type'] = filters.type;
    }
    let start: Record<string, unknown> | undefined = decodeCursor(cursor, ['pk', 'sk', pkName, skName], {
      [pkName]: partition,
    });
    // A key outside the key condition is a ValidationException in DynamoDB: refuse it here.
    const resumeAt = start?.[skName] as string | undefined;
    if (
      resumeAt !== undefined &&
      ((from !== undefined && resumeAt < from) || (to !== undefined && resumeAt > to))
    )
      throw new HookbridgeError(
        'invalid_cursor',
        'The cursor is not one this API returned for these filters',
      );
    const items: EventRecord[] = [];
    // Filters apply after the key condition, so a page may need several reads; bounded.
    for (let i = 0; i < 20 && items.length < limit; i++) {
      const out = await storeCall(() =>
        this.ddb.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: byProvider ? LIST_GSI.byProvider : LIST_GSI.all,
            KeyConditionExpression: key,
            FilterExpression: conds.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            Limit: limit - items.length,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const it of out.Items ?? []) items.push(EventStore.recordFromItem(it));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    return { items, cursor: start ? encodeCursor(start) : undefined };
  }

  private expired(item: Record<string, unknown>): boolean {
    return typeof item.ttl === 'number' && item.ttl < Math.floor(this.opts.now() / 1000);
  }

  /** A DynamoDB item (GetItem, Query, or a stream NEW_IMAGE after unmarshall) -> EventRecord. */
  static recordFromItem(item: Record<string, unknown>): EventRecord {
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
    };
  }
}

/** An ISO 8601 bound in the form receivedAt is stored in (UTC, milliseconds). */
function utcBound(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime()))
    throw new HookbridgeError('invalid_query', `${name} is not an ISO 8601 time`);
  return t.toISOString();
}

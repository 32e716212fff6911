/**
 * DynamoEventRepo: the durable, exactly-once store for received webhook events.
 *
 * Body storage: the raw body is gzipped. Up to BODY_INLINE_LIMIT compressed bytes it lives in the
 * event item's `body` (Binary). Larger bodies (API Gateway allows 10 MB) are split into chunk items
 * (keys.ts BODY_CHUNK) written BEFORE the event item, so the event item's conditional put is the
 * commit point and a stream reader always sees a complete event. The body hash in the chunk key
 * means a same-id delivery with a different body never overwrites the original chunks, and a
 * redelivery finds the live event first and writes no chunks at all. Chunk items have their own
 * kind, so the stream filter ignores them.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HookbridgeError } from '../../errors.js';
import { recordFromItem } from '../../events/codec.js';
import type { EventRecord } from '../../events/record.js';
import type {
  EventFilters,
  EventRepo,
  Page,
  PutOutcome,
  StoredEvent,
  StoredItem,
} from '../../ports/index.js';
import { itemAbsent, TTL_NAME, ttlPassed } from './conditional.js';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor.js';
import { BODY_CHUNK, EVENT, hash32 } from './keys.js';
import { DynamoRepo } from './repo.js';

/** Compressed bytes kept inline; the rest of the 400 KB item limit is left for headers and fields. */
export const BODY_INLINE_LIMIT = 300 * 1024;
const LIST_INDEX = 'gsi3';
/** Reads per shard for one page: filters apply after the key condition, so a page may need several. */
const SHARD_READS = 5;

export interface EventRepoOptions {
  retentionDays: number;
  now: () => number;
}

const eventKey = (id: string) => ({ pk: EVENT.pk(id), sk: EVENT.sk });

/** The event codec's write side: the record plus its keys; the body is added by `put`. */
function eventItem(record: EventRecord, ttl: number): StoredItem {
  return {
    pk: EVENT.pk(record.id),
    sk: EVENT.sk,
    kind: EVENT.kind,
    gsi3pk: EVENT.listPk(EVENT.shardOf(record.id)),
    gsi3sk: EVENT.listSk(record.receivedAt, record.id),
    ttl,
    bodyEncoding: 'gzip',
    ...record,
  };
}

export class DynamoEventRepo extends DynamoRepo implements EventRepo {
  constructor(
    ddb: DynamoDBDocumentClient,
    table: string,
    private readonly opts: EventRepoOptions,
  ) {
    super(ddb, table);
  }

  /**
   * Conditional put keyed on the record id (derived from provider, source and event id). An item
   * whose `ttl` has passed counts as absent (dynalite never expires items; DynamoDB may lag).
   */
  async put(record: EventRecord, rawBody: Buffer): Promise<PutOutcome> {
    const nowSec = this.nowSec();
    const ttl = nowSec + this.opts.retentionDays * 86_400;
    const gz = gzipSync(rawBody, { level: rawBody.length > 64 * 1024 ? 1 : 6 });
    const item = eventItem(record, ttl);
    if (gz.length <= BODY_INLINE_LIMIT) {
      item.body = gz;
    } else {
      // A redelivery of a large event must not rewrite megabytes of chunks: look first (a small
      // projection). The conditional put below stays the commit point for a race.
      const prior = await this.getItem(eventKey(record.id), true, ['pk', 'ttl', 'bodySha256', 'flagged']);
      if (prior && !this.expired(prior)) return this.duplicateOutcome(prior, record);
      item.bodyChunks = await this.putChunks(record, gz, ttl);
    }
    let existing = await this.insert(item);
    if (existing === 'stored') return 'stored';
    // An expired item DynamoDB has not removed yet counts as absent. Overwriting it would be a
    // MODIFY on the stream, which the processor's filter (INSERT only) drops: delete it first,
    // conditional on its ttl still being past, so the new put is an INSERT and gets processed.
    if (existing && this.expired(existing)) {
      await this.deleteIfExpired(record.id, nowSec);
      existing = await this.insert(item);
      if (existing === 'stored') return 'stored';
    }
    if (!existing || this.expired(existing)) return 'duplicate';
    return this.duplicateOutcome(existing, record);
  }

  private async putChunks(record: EventRecord, gz: Buffer, ttl: number): Promise<number> {
    const count = Math.ceil(gz.length / BODY_INLINE_LIMIT);
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        this.putItem({
          pk: EVENT.pk(record.id),
          sk: BODY_CHUNK.sk(record.bodySha256, i + 1),
          kind: BODY_CHUNK.kind,
          ttl,
          data: gz.subarray(i * BODY_INLINE_LIMIT, (i + 1) * BODY_INLINE_LIMIT),
        }),
      ),
    );
    return count;
  }

  /** A live item already holds this id: a duplicate, flagged when two webhooks' bodies differ. */
  private async duplicateOutcome(existing: StoredItem, record: EventRecord): Promise<PutOutcome> {
    // A reconciled body is the events API's JSON, not the webhook's bytes: only two webhooks compare.
    const reconciled = existing.via === 'reconciliation' || record.via === 'reconciliation';
    if (existing.bodySha256 === record.bodySha256 || reconciled) return 'duplicate';
    if (existing.flagged !== 'body_mismatch') await this.flagMismatch(record.id);
    return 'duplicate_mismatch';
  }

  /** Puts the event item only if no item has its key (an INSERT on the stream); else the item in the way. */
  private async insert(item: StoredItem): Promise<'stored' | StoredItem | undefined> {
    const out = await this.write({ Put: { Item: item, ConditionExpression: itemAbsent } }, { old: true });
    return out.applied ? 'stored' : out.old;
  }

  /** Removes an expired event item; a concurrent writer that already replaced it wins (no-op). */
  private async deleteIfExpired(id: string, nowSec: number): Promise<void> {
    await this.write({
      Delete: {
        Key: eventKey(id),
        ConditionExpression: ttlPassed,
        ExpressionAttributeNames: TTL_NAME,
        ExpressionAttributeValues: { ':now': nowSec },
      },
    });
  }

  private async flagMismatch(id: string): Promise<void> {
    await this.updateExisting(eventKey(id), 'SET flagged = :f', { ':f': 'body_mismatch' });
  }

  /** The live (unexpired) item. */
  private async liveItem(id: string): Promise<StoredItem | undefined> {
    const item = await this.getItem(eventKey(id));
    if (!item || this.expired(item)) return undefined;
    return item;
  }

  async getStored(id: string): Promise<StoredEvent | undefined> {
    const item = await this.liveItem(id);
    return item ? { record: recordFromItem(item), item } : undefined;
  }

  async get(id: string): Promise<EventRecord | undefined> {
    return (await this.getStored(id))?.record;
  }

  async getWithBody(id: string): Promise<{ record: EventRecord; body: Buffer } | undefined> {
    const stored = await this.getStored(id);
    return stored
      ? { record: stored.record, body: await this.getBody(stored.record, stored.item) }
      : undefined;
  }

  /** The exact raw body bytes; checks them against the stored sha256. */
  async getBody(ref: string | EventRecord, given?: StoredItem): Promise<Buffer> {
    const item =
      given && ('body' in given || 'bodyChunks' in given)
        ? given
        : await this.liveItem(typeof ref === 'string' ? ref : ref.id);
    if (!item) throw new HookbridgeError('not_found', 'No such event');
    const gz = item.body !== undefined ? Buffer.from(item.body as Uint8Array) : await this.chunks(item);
    const raw = item.bodyEncoding === 'gzip' ? gunzipSync(gz) : gz;
    if (createHash('sha256').update(raw).digest('hex') !== item.bodySha256)
      throw new HookbridgeError('internal', 'Stored event body does not match its sha256');
    return raw;
  }

  private async chunks(item: StoredItem): Promise<Buffer> {
    const count = Number(item.bodyChunks ?? 0);
    const found = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': item.pk, ':p': BODY_CHUNK.skPrefix(String(item.bodySha256)) },
      ConsistentRead: true,
    });
    const parts = found.map((c) => Buffer.from(c.data as Uint8Array));
    if (parts.length !== count) throw new HookbridgeError('internal', 'Event body chunks are incomplete');
    return Buffer.concat(parts);
  }

  /**
   * Newest first: every gsi3 shard read in parallel and merged by `receivedAt#id`. The cursor is
   * opaque base64url: the position of the last event returned (each shard resumes strictly after
   * it) and a hash of the filters it was returned for.
   */
  async list(filters: EventFilters = {}, cursor?: string): Promise<Page<EventRecord>> {
    const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
    const q = listQuery(filters, this.nowSec());
    const at = decodeCursor(cursor, ['at', 'f'], { f: q.filterHash })?.at;
    // A position outside the key condition is a ValidationException in DynamoDB: refuse it here.
    if (
      at !== undefined &&
      (at.lastIndexOf('#') < 1 || (q.from !== undefined && at < q.from) || (q.to !== undefined && at > q.to))
    )
      throw invalidCursor();
    const shards = await Promise.all(
      Array.from({ length: EVENT.shards }, (_, n) => this.shardPage(q.input, EVENT.listPk(n), at, limit)),
    );
    const { items, at: next } = mergeShards(shards, limit);
    return {
      items: items.map(recordFromItem),
      cursor: next === undefined ? undefined : encodeCursor({ at: next, f: q.filterHash }),
    };
  }

  /** Up to `limit` (+1) matching items of one shard after `at`; `resumeAt` if it has unread items. */
  private async shardPage(
    input: ReturnType<typeof listQuery>['input'],
    partition: string,
    at: string | undefined,
    limit: number,
  ): Promise<ShardPage> {
    const values = { ...input.ExpressionAttributeValues, ':p': partition };
    let start = at === undefined ? undefined : positionKey(partition, at);
    const items: StoredItem[] = [];
    for (let i = 0; i < SHARD_READS && items.length <= limit; i++) {
      const page = await this.queryPage({
        ...input,
        ExpressionAttributeValues: values,
        Limit: limit + 1 - items.length,
        ExclusiveStartKey: start,
      });
      items.push(...page.items);
      start = page.next;
      if (!start) return { items };
    }
    return { items, resumeAt: String(start?.gsi3sk) };
  }

  /** One BatchGetItem per 100 ids (keys and ttl only): which are stored and not expired. */
  async presentIds(ids: readonly string[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (let i = 0; i < ids.length; i += 100) {
      const items = await this.batchGet(ids.slice(i, i + 100).map(eventKey), ['pk', 'ttl', 'id']);
      for (const it of items) if (!this.expired(it)) present.add(String(it.id));
    }
    return present;
  }

  private nowSec(): number {
    return Math.floor(this.opts.now() / 1000);
  }

  private expired(item: StoredItem): boolean {
    return typeof item.ttl === 'number' && item.ttl < this.nowSec();
  }
}

interface ShardPage {
  items: StoredItem[];
  /** Set when the shard stopped early: every item of it at or after this position has been read. */
  resumeAt?: string;
}

const sortKey = (it: StoredItem) => String(it.gsi3sk);

/**
 * Newest first across shards. A shard that stopped early may hold unread items below its resume
 * point, so nothing below the highest such point is returned yet: the cursor resumes there.
 */
function mergeShards(shards: ShardPage[], limit: number): { items: StoredItem[]; at?: string } {
  const floor = shards.reduce<string | undefined>(
    (m, s) => (s.resumeAt !== undefined && (m === undefined || s.resumeAt > m) ? s.resumeAt : m),
    undefined,
  );
  const merged = shards
    .flatMap((s) => s.items)
    .filter((it) => floor === undefined || sortKey(it) >= floor)
    .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1));
  const items = merged.slice(0, limit);
  const last = items.at(-1);
  if (last && items.length === limit && (merged.length > limit || floor !== undefined))
    return { items, at: sortKey(last) };
  return floor === undefined ? { items } : { items, at: floor };
}

/** The index key of position `receivedAt#id` in one shard (it need not be an item there). */
function positionKey(partition: string, at: string): StoredItem {
  const id = at.slice(at.lastIndexOf('#') + 1);
  return { pk: EVENT.pk(id), sk: EVENT.sk, gsi3pk: partition, gsi3sk: at };
}

/** The list query for some filters: the index, its key condition and the (post-key) filters. */
function listQuery(filters: EventFilters, nowSec: number) {
  const names: Record<string, string> = { '#ttl': 'ttl' };
  const values: Record<string, unknown> = { ':now': nowSec };
  let key = 'gsi3pk = :p';
  // sk = receivedAt#id, receivedAt in UTC with milliseconds: bounds are compared as text, so
  // they get the same form (an offset or missing milliseconds would compare wrongly).
  const from = utcBound(filters.from, 'from');
  // '~' sorts after every id character, so `to` is inclusive.
  const to = filters.to === undefined ? undefined : `${utcBound(filters.to, 'to')}~`;
  if (from !== undefined && to !== undefined) {
    key += ' AND gsi3sk BETWEEN :from AND :to';
    values[':from'] = from;
    values[':to'] = to;
  } else if (from !== undefined) {
    key += ' AND gsi3sk >= :from';
    values[':from'] = from;
  } else if (to !== undefined) {
    key += ' AND gsi3sk <= :to';
    values[':to'] = to;
  }
  const conds = ['#ttl > :now'];
  // One index copy per event: the provider is a filter too (a second, per-provider index would
  // be another write unit per event).
  const fields = ['provider', 'source', 'type', 'eventId'] as const;
  for (const field of fields) {
    if (filters[field] === undefined) continue;
    conds.push(`#${field} = :${field}`);
    names[`#${field}`] = field;
    values[`:${field}`] = filters[field];
  }
  // The cursor is bound to every filter, derived from the same list, so a new one cannot be left out.
  const bound = [...fields.map((f) => filters[f]), from, to];
  return {
    from,
    to,
    filterHash: hash32(JSON.stringify(bound)).toString(36),
    input: {
      IndexName: LIST_INDEX,
      KeyConditionExpression: key,
      FilterExpression: conds.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
  };
}

/** An ISO 8601 bound in the form receivedAt is stored in (UTC, milliseconds). */
function utcBound(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime()))
    throw new HookbridgeError('invalid_query', `${name} is not an ISO 8601 time`);
  return t.toISOString();
}

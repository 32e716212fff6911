/**
 * Start-up repair of a data dir after a crash, before anything else reads or writes the table.
 *
 * dynalite writes a put as separate LevelDB writes: old index entries deleted, new ones put, then
 * the item. A process killed in between leaves index entries that disagree with their item (the
 * item absent, or still the old one) and items missing their entries, so a list could show an
 * event that does not exist, or one item twice. Every index projects ALL attributes, so an entry
 * is sound exactly when it equals its item; each unsound key is rewritten through dynalite itself
 * (put each stray entry as the item, then put the real item back, or delete it), which leaves only
 * the real item's entries.
 *
 * Claims the dead process held (an attempt being sent, a bus publication) are released: nothing
 * else can hold them, so their redelivered messages re-take them at once instead of after a lease.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  paginateScan,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { BUS_MARKER, DELIVERY, EVENT } from '../../shared/adapters/dynamodb/keys.js';
import { TABLE } from '../../shared/table.js';

type Item = Record<string, AttributeValue>;

export interface Recovered {
  /** The stored, unexpired event items, as stream images (the stream replays those it never finished). */
  events: Record<string, Record<string, unknown>>[];
  /** Keys whose index entries were repaired. */
  repaired: number;
  /** Claims of the dead process released. */
  released: number;
}

/** A claim made before the epoch is older than any lease. */
const RELEASED_AT = '1970-01-01T00:00:00.000Z';

const keyOf = (it: Item): Item => ({
  [TABLE.partitionKey]: it[TABLE.partitionKey]!,
  [TABLE.sortKey]: it[TABLE.sortKey]!,
});
const keyText = (it: Item) => JSON.stringify([it[TABLE.partitionKey]?.S, it[TABLE.sortKey]?.S]);

/** Binary as base64, as DynamoDB JSON (and a stream image) carries it. */
const base64 = (_k: string, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v);
const image = (it: Item) => JSON.parse(JSON.stringify(it, base64)) as Record<string, Record<string, unknown>>;

/** Order-independent text of an item, for comparing an index entry with its item. */
const canonical = (it: Item): string =>
  JSON.stringify(it, (k, x: unknown) => {
    const v = base64(k, x);
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  });

async function scanAll(client: DynamoDBClient, table: string, index?: string): Promise<Item[]> {
  const out: Item[] = [];
  for await (const page of paginateScan({ client }, { TableName: table, IndexName: index }))
    out.push(...(page.Items ?? []));
  return out;
}

/** For each key, the index entries that do not equal its item, and whether the item lacks one of its own. */
async function unsound(client: DynamoDBClient, table: string, items: Map<string, Item>) {
  const strays = new Map<string, Item[]>();
  const lacking = new Set<string>();
  for (const g of TABLE.globalSecondaryIndexes) {
    const entries = new Set<string>();
    for (const e of await scanAll(client, table, g.indexName)) {
      const k = keyText(e);
      const item = items.get(k);
      if (item && canonical(item) === canonical(e)) entries.add(k);
      else strays.set(k, [...(strays.get(k) ?? []), e]);
    }
    for (const [k, item] of items)
      if (item[g.partitionKey] && item[g.sortKey] && !entries.has(k)) lacking.add(k);
  }
  return { strays, lacking };
}

async function repairIndexes(client: DynamoDBClient, table: string, items: Map<string, Item>) {
  const { strays, lacking } = await unsound(client, table, items);
  const keys = new Set([...strays.keys(), ...lacking]);
  for (const k of keys) {
    const item = items.get(k);
    // Each put replaces the entries of the item it overwrites: the last one leaves only the real item's.
    for (const stray of strays.get(k) ?? [])
      await client.send(new PutItemCommand({ TableName: table, Item: stray }));
    if (item) await client.send(new PutItemCommand({ TableName: table, Item: item }));
    else await client.send(new DeleteItemCommand({ TableName: table, Key: keyOf(strays.get(k)![0]!) }));
  }
  return keys.size;
}

/** A claim the previous process held: a delivery attempt being sent, or an unconfirmed bus publication. */
const heldClaim = (it: Item): boolean =>
  it.claimedAt?.S !== undefined &&
  it.claimedAt.S !== RELEASED_AT &&
  ((it[TABLE.kindAttribute]?.S === DELIVERY.kind && it.status?.S === 'pending') ||
    (it[TABLE.kindAttribute]?.S === BUS_MARKER.kind && it.confirmedAt === undefined));

async function releaseClaims(client: DynamoDBClient, table: string, items: Iterable<Item>) {
  let released = 0;
  for (const it of items) {
    if (!heldClaim(it)) continue;
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: keyOf(it),
          UpdateExpression: 'SET claimedAt = :released',
          ConditionExpression: 'claimedAt = :held',
          ExpressionAttributeValues: { ':released': { S: RELEASED_AT }, ':held': it.claimedAt! },
        }),
      );
      released++;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
    }
  }
  return released;
}

export async function recoverTable(endpoint: string, table: string, nowMs: number): Promise<Recovered> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const items = new Map((await scanAll(client, table)).map((it) => [keyText(it), it]));
    const repaired = await repairIndexes(client, table, items);
    const released = await releaseClaims(client, table, items.values());
    const live = (it: Item) => it.ttl?.N === undefined || Number(it.ttl.N) > nowMs / 1000;
    const events = [...items.values()].filter((it) => it[TABLE.kindAttribute]?.S === EVENT.kind && live(it));
    return { events: events.map(image), repaired, released };
  } finally {
    client.destroy();
  }
}

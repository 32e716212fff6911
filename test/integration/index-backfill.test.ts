/**
 * `npm run events:backfill` on dynalite: items written with the pre-sharding index keys (events
 * with gsi1 `events` and gsi2 `events#<provider>` copies and no gsi3 keys; deliveries under an
 * unsharded `pending#<dest>` / `deadletter#<dest>`) are listed again after it, exactly once, in
 * order; a second run changes nothing; a run stopped after a page resumes from its cursor; writes
 * keep to the rate.
 */
import { createHash } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTable } from '../../infra/local/table.js';
import { backfillIndexes, pacer } from '../../infra/ops/index-backfill.js';
import { DynamoDeliveryRepo } from '../../shared/adapters/dynamodb/deliveries.js';
import { DynamoEventRepo } from '../../shared/adapters/dynamodb/events.js';
import { DynamoIndexBackfill, shardedDeliveryPk } from '../../shared/adapters/dynamodb/index-backfill.js';
import { DELIVERY, EVENT } from '../../shared/adapters/dynamodb/keys.js';
import { fileDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const db = fileDynalite();
let tables = 0;

const at = (s: number) => new Date(NOW - s * 1000).toISOString();
const EVENTS = 130;

/** A table holding what the pre-sharding code wrote: EVENTS events, and 3 deliveries of 2 destinations. */
async function oldTable(): Promise<string> {
  const name = `backfill-${++tables}`;
  await createTable(db.ddb, name);
  const body = Buffer.from('{}');
  for (let i = 0; i < EVENTS; i++) {
    const id = `evt_old${String(i).padStart(3, '0')}`;
    const receivedAt = at(EVENTS - i);
    await db.ddb.send(
      new PutCommand({
        TableName: name,
        Item: {
          pk: EVENT.pk(id),
          sk: EVENT.sk,
          kind: EVENT.kind,
          gsi1pk: 'events',
          gsi1sk: `${receivedAt}#${id}`,
          gsi2pk: 'events#stripe',
          gsi2sk: `${receivedAt}#${id}`,
          ttl: Math.floor(NOW / 1000) + 86_400,
          bodyEncoding: 'gzip',
          id,
          provider: 'stripe',
          source: 'default',
          eventId: `src_${i}`,
          type: i % 2 ? 'invoice.paid' : 'charge.refunded',
          receivedAt,
          bodySha256: createHash('sha256').update(body).digest('hex'),
          bodySize: body.length,
          headers: {},
          matchedSecret: 0,
          body,
        },
      }),
    );
  }
  const delivery = (eventId: string, destinationId: string, status: string, gsi1pk: string) => ({
    pk: EVENT.pk(eventId),
    sk: DELIVERY.sk(destinationId, 0),
    kind: DELIVERY.kind,
    gsi1pk,
    gsi1sk: DELIVERY.indexSk(at(5), eventId, 0),
    eventId,
    destinationId,
    part: 0,
    webhookId: eventId,
    type: 'payment.succeeded',
    status,
    attempts: 1,
    round: 0,
    createdAt: at(5),
    updatedAt: at(5),
  });
  for (const item of [
    delivery('evt_old001', 'orders', 'pending', 'pending#orders'),
    delivery('evt_old002', 'orders', 'dead', 'deadletter#orders'),
    delivery('evt_old003', 'billing', 'pending', 'pending#billing'),
  ])
    await db.ddb.send(new PutCommand({ TableName: name, Item: item }));
  return name;
}

const noWait = { sleep: async () => {} };

describe('events:backfill', () => {
  it('lists every old event again, newest first, once; deliveries reach their shards; a second run changes nothing', async () => {
    const name = await oldTable();
    const events = new DynamoEventRepo(db.ddb, name, { retentionDays: 30, now: () => NOW });
    const deliveries = new DynamoDeliveryRepo(db.ddb, name);
    expect((await events.list({ limit: 10 })).items).toEqual([]);
    expect((await deliveries.listIndexedForDestination('orders', 'pending')).items).toEqual([]);

    const out = await backfillIndexes(new DynamoIndexBackfill(db.ddb, name), noWait);
    expect(out).toMatchObject({ events: EVENTS, deliveries: 3, skipped: 0, cursor: undefined });

    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await events.list({ limit: 50 }, cursor);
      listed.push(...page.items.map((e) => e.id));
      cursor = page.cursor;
    } while (cursor);
    const ids = Array.from({ length: EVENTS }, (_, i) => `evt_old${String(i).padStart(3, '0')}`);
    expect(listed).toEqual(ids.reverse());
    expect((await events.list({ limit: 100, type: 'charge.refunded' })).items).toHaveLength(EVENTS / 2);

    const raw = await db.ddb.send(
      new GetItemCommand({
        TableName: name,
        Key: { pk: { S: EVENT.pk('evt_old007') }, sk: { S: EVENT.sk } },
      }),
    );
    expect(
      Object.keys(raw.Item ?? {})
        .filter((k) => k.startsWith('gsi'))
        .sort(),
    ).toEqual(['gsi3pk', 'gsi3sk']);

    expect(
      (await deliveries.listIndexedForDestination('orders', 'pending')).items.map((d) => d.eventId),
    ).toEqual(['evt_old001']);
    expect((await deliveries.listDeadLetters('orders')).map((d) => d.eventId)).toEqual(['evt_old002']);
    expect((await deliveries.listIndexedForDestination('billing', 'pending')).items).toHaveLength(1);

    const again = await backfillIndexes(new DynamoIndexBackfill(db.ddb, name), noWait);
    expect(again).toMatchObject({ events: 0, deliveries: 0, skipped: 0 });
  });

  it('stops after a page with a cursor, and the resumed run finishes the rest', async () => {
    const name = await oldTable();
    const backfill = new DynamoIndexBackfill(db.ddb, name);
    const first = await backfillIndexes(backfill, { ...noWait, maxPages: 1 });
    expect(first.pages).toBe(1);
    expect(first.cursor).toEqual(expect.any(String));
    expect(first.events + first.deliveries).toBeLessThan(EVENTS + 3);
    const rest = await backfillIndexes(backfill, { ...noWait, from: first.cursor });
    expect(first.events + rest.events).toBe(EVENTS);
    expect(first.deliveries + rest.deliveries).toBe(3);
    expect(rest.cursor).toBeUndefined();
  });

  it('paces writes to the rate', async () => {
    let clock = 0;
    const pace = pacer(
      20,
      () => clock,
      async (ms) => {
        clock += ms;
      },
    );
    for (let i = 0; i < 41; i++) await pace();
    // 41 writes at 20/s: the last one 2 s after the first, none earlier.
    expect(clock).toBe(2000);
  });

  it('moves only unsharded delivery keys, whatever the destination id', () => {
    expect(shardedDeliveryPk('pending#orders', 'evt_1')).toBe(
      DELIVERY.pendingPk('orders', DELIVERY.shardOf('evt_1')),
    );
    expect(shardedDeliveryPk('deadletter#a-b_c', 'evt_2')).toBe(
      DELIVERY.deadLetterPk('a-b_c', DELIVERY.shardOf('evt_2')),
    );
    expect(shardedDeliveryPk(DELIVERY.pendingPk('orders', 3), 'evt_1')).toBeUndefined();
    expect(shardedDeliveryPk('destinations', 'evt_1')).toBeUndefined();
  });
});

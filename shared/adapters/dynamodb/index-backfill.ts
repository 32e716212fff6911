/**
 * The index keys of items written before the sharded indexes (issue 13), brought up to date:
 * - an event without `gsi3` keys gets them (`events#NN`, `receivedAt#id`), so `GET /events` and
 *   replays see it, and loses its old `gsi1` (`events`) and `gsi2` (`events#<provider>`) copies,
 *   which nothing reads any more;
 * - a delivery still under an unsharded `pending#<dest>` or `deadletter#<dest>` key moves to its
 *   shard (`…#NN`), so redrive and the destination-delete sweep find it.
 * Each update is conditional on the item still having its old keys, so a run repeated, resumed or
 * racing the service changes nothing twice. MODIFY records on the stream are not processed (the
 * stream filter passes inserts only).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { storeCall } from './client.js';
import { type Item, itemExists } from './conditional.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { DELIVERY, EVENT } from './keys.js';
import { DynamoRepo } from './repo.js';

/** One page of the scan: what it looked at and what it changed, and where the next page starts. */
export interface BackfillPage {
  scanned: number;
  events: number;
  deliveries: number;
  /** Items whose keys changed between the scan and the update (already current): left alone. */
  skipped: number;
  cursor: string | undefined;
}

/** Items evaluated per Scan page (before the filter). */
const SCAN_PAGE = 100;
const TABLE_KEYS = ['pk', 'sk'] as const;
/** The pre-sharding list partitions of a destination: no `#NN` shard suffix. */
const UNSHARDED = /^(pending|deadletter)#(.+)$/;

/** The sharded gsi1 key of a delivery under an old unsharded one, or undefined if it is current. */
export function shardedDeliveryPk(gsi1pk: string, eventId: string): string | undefined {
  const m = UNSHARDED.exec(gsi1pk);
  if (!m || /#\d{2}$/.test(gsi1pk)) return undefined;
  const shard = DELIVERY.shardOf(eventId);
  return m[1] === 'pending' ? DELIVERY.pendingPk(m[2]!, shard) : DELIVERY.deadLetterPk(m[2]!, shard);
}

export class DynamoIndexBackfill extends DynamoRepo {
  /** Scans one page from `cursor` and updates what it finds, each write after `pace()` allows it. */
  async page(cursor: string | undefined, pace: () => Promise<void>): Promise<BackfillPage> {
    const out = await storeCall(() =>
      this.ddb.send(
        new ScanCommand({
          TableName: this.table,
          Limit: SCAN_PAGE,
          ExclusiveStartKey: decodeCursor(cursor, TABLE_KEYS),
          FilterExpression:
            '(kind = :event AND attribute_not_exists(gsi3pk)) OR (kind = :delivery AND attribute_exists(gsi1pk))',
          ExpressionAttributeValues: { ':event': EVENT.kind, ':delivery': DELIVERY.kind },
        }),
      ),
    );
    const page: BackfillPage = {
      scanned: out.ScannedCount ?? 0,
      events: 0,
      deliveries: 0,
      skipped: 0,
      cursor: undefined,
    };
    for (const it of out.Items ?? []) {
      const change = it.kind === EVENT.kind ? 'events' : 'deliveries';
      const done = change === 'events' ? await this.indexEvent(it, pace) : await this.shardDelivery(it, pace);
      if (done === undefined) continue;
      if (done) page[change]++;
      else page.skipped++;
    }
    page.cursor = out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : undefined;
    return page;
  }

  private async indexEvent(it: Item, pace: () => Promise<void>): Promise<boolean> {
    const id = String(it.id);
    await pace();
    const out = await this.write({
      Update: {
        Key: { pk: it.pk, sk: it.sk },
        UpdateExpression: 'SET gsi3pk = :p, gsi3sk = :s REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
        ConditionExpression: `${itemExists} AND attribute_not_exists(gsi3pk)`,
        ExpressionAttributeValues: {
          ':p': EVENT.listPk(EVENT.shardOf(id)),
          ':s': EVENT.listSk(String(it.receivedAt), id),
        },
      },
    });
    return out.applied;
  }

  /** undefined: the delivery's key is already sharded (nothing to do, not counted). */
  private async shardDelivery(it: Item, pace: () => Promise<void>): Promise<boolean | undefined> {
    const old = String(it.gsi1pk);
    const sharded = shardedDeliveryPk(old, String(it.eventId));
    if (!sharded) return undefined;
    await pace();
    const out = await this.write({
      Update: {
        Key: { pk: it.pk, sk: it.sk },
        UpdateExpression: 'SET gsi1pk = :new',
        ConditionExpression: 'gsi1pk = :old',
        ExpressionAttributeValues: { ':new': sharded, ':old': old },
      },
    });
    return out.applied;
  }
}

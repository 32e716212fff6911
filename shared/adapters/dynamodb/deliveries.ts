/**
 * Deliveries and their attempts, under the event's partition (GET /events/{id}/deliveries is one
 * query). A pending delivery is indexed in its destination's gsi1 `pending` partition, a dead
 * letter in its `deadletter` partition (the redrive list).
 */
import type { Delivery, DeliveryAttempt } from '../../delivery/types.js';
import type {
  ClaimResult,
  DeliveryKey,
  DeliveryRepo,
  IndexCount,
  Page,
  SettleChange,
} from '../../ports/index.js';
import { type Item, num, oneOf, optNum, optStr, str } from './codec.js';
import { absentOrExpired, itemExists } from './conditional.js';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor.js';
import { ATTEMPT, DELIVERY, EVENT } from './keys.js';
import { DynamoRepo } from './repo.js';

const key = (d: DeliveryKey) => ({ pk: EVENT.pk(d.eventId), sk: DELIVERY.sk(d.destinationId, d.part) });
const INDEX_KEYS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
/** Items read per shard query of a destination's pending or dead-letter list. */
const SHARD_PAGE = 100;

const shardPartitions = (destinationId: string, which: 'pending' | 'dead') =>
  Array.from({ length: DELIVERY.shards }, (_, n) =>
    which === 'pending' ? DELIVERY.pendingPk(destinationId, n) : DELIVERY.deadLetterPk(destinationId, n),
  );

/** An index sort key's time: `<time>#<eventId>#<part>`. */
const timeOf = (sk: string | undefined) => sk?.slice(0, sk.indexOf('#'));

export const deliveryItem = (d: Delivery, ttl?: number): Item => ({
  ...key(d),
  kind: DELIVERY.kind,
  ttl,
  ...d,
  ...(d.status === 'pending'
    ? {
        gsi1pk: DELIVERY.pendingPk(d.destinationId, DELIVERY.shardOf(d.eventId)),
        gsi1sk: DELIVERY.indexSk(d.createdAt, d.eventId, d.part),
      }
    : {}),
});

export const deliveryFromItem = (it: Item): Delivery => ({
  eventId: str(it.eventId),
  destinationId: str(it.destinationId),
  part: num(it.part),
  webhookId: str(it.webhookId),
  type: str(it.type),
  status: oneOf(it.status, ['pending', 'delivered', 'dead']),
  attempts: num(it.attempts),
  round: num(it.round),
  roundCause: optStr(it.roundCause),
  destinationGeneration: optStr(it.destinationGeneration),
  claimedAt: optStr(it.claimedAt),
  nextAttemptAt: optStr(it.nextAttemptAt),
  lastStatus: optNum(it.lastStatus),
  lastError: optStr(it.lastError),
  deadReason: optStr(it.deadReason),
  createdAt: str(it.createdAt),
  updatedAt: str(it.updatedAt),
});

export const attemptItem = (a: DeliveryAttempt, ttl?: number): Item => ({
  pk: EVENT.pk(a.eventId),
  sk: ATTEMPT.sk(a),
  kind: ATTEMPT.kind,
  ttl,
  ...a,
});

export const attemptFromItem = (it: Item): DeliveryAttempt => ({
  eventId: str(it.eventId),
  destinationId: str(it.destinationId),
  part: num(it.part),
  round: num(it.round),
  attempt: num(it.attempt),
  at: str(it.at),
  status: num(it.status),
  latencyMs: num(it.latencyMs),
  outcome: oneOf(it.outcome, ['delivered', 'retry', 'dead', 'gone']),
  responseExcerpt: optStr(it.responseExcerpt),
  error: optStr(it.error),
  nextAttemptAt: optStr(it.nextAttemptAt),
});

/** The gsi1 entry a settled delivery gets: the dead-letter or pending list, or none. */
function settledIndex(d: DeliveryKey, change: SettleChange): { pk: string; sk: string } | undefined {
  const sk = DELIVERY.indexSk(change.at, d.eventId, d.part);
  const shard = DELIVERY.shardOf(d.eventId);
  // A delivery of a deleted destination is dead for good: not in the dead-letter list redrive reads.
  if (change.status === 'dead' && change.deadReason !== 'destination_deleted')
    return { pk: DELIVERY.deadLetterPk(d.destinationId, shard), sk };
  if (change.status === 'pending') return { pk: DELIVERY.pendingPk(d.destinationId, shard), sk };
  return undefined;
}

/** Attempts kept in a delivery's own item; later ones (many replay rounds) get items of their own. */
export const ATTEMPT_LOG_MAX = 32;

/** An attempt as kept in a delivery's `attemptLog`: the attempt item's fields, without its keys. */
const attemptEntry = (a: DeliveryAttempt): Item =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined));

/** The UpdateItem that settles a round: status and outcome fields, the claim cleared, the list index moved. */
function settleUpdate(d: DeliveryKey, round: number, change: SettleChange) {
  const values: Record<string, unknown> = {
    ':s': change.status,
    ':at': change.at,
    ':ls': change.lastStatus,
    ':r': round,
  };
  const sets = ['#s = :s', 'updatedAt = :at', 'lastStatus = :ls'];
  const removes: string[] = [];
  for (const name of ['lastError', 'nextAttemptAt', 'deadReason'] as const) {
    const v = change[name];
    if (v === undefined) removes.push(name);
    else {
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = v;
    }
  }
  removes.push('claimedAt');
  const index = settledIndex(d, change);
  if (index) {
    sets.push('gsi1pk = :ipk', 'gsi1sk = :isk');
    values[':ipk'] = index.pk;
    values[':isk'] = index.sk;
  } else removes.push('gsi1pk', 'gsi1sk');
  return {
    Key: key(d),
    UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
    ConditionExpression: 'round = :r',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: values,
  };
}

export class DynamoDeliveryRepo extends DynamoRepo implements DeliveryRepo {
  /**
   * Creates the delivery once; a reprocessed stream record finds it and creates nothing. With
   * `nowSec`, a row whose ttl has passed (an event re-sent after retention) counts as absent.
   */
  async createDelivery(d: Delivery, ttl?: number, nowSec?: number): Promise<'created' | 'exists'> {
    const out = await this.write({ Put: { Item: deliveryItem(d, ttl), ...absentOrExpired(nowSec) } });
    return out.applied ? 'created' : 'exists';
  }

  async getDelivery(eventId: string, destinationId: string, part: number): Promise<Delivery | undefined> {
    const item = await this.getItem(key({ eventId, destinationId, part }));
    return item ? deliveryFromItem(item) : undefined;
  }

  /**
   * Claims attempt `attempt` of `round`: only one consumer of a duplicated message sends. A claim
   * that was never settled (the function died after claiming: timeout, crash, a failed store or
   * queue call) can be taken again by the same (round, attempt) once it is older than `staleBefore`,
   * so the queue's redelivery re-sends it instead of dropping it. Settling removes `claimedAt`.
   */
  async claimAttempt(
    d: DeliveryKey,
    round: number,
    attempt: number,
    at: string,
    staleBefore: string,
  ): Promise<ClaimResult> {
    const out = await this.write(
      {
        Update: {
          Key: key(d),
          UpdateExpression: 'SET attempts = :next, claimedAt = :at, updatedAt = :at',
          ConditionExpression:
            '#s = :pending AND round = :r AND (attempts = :n OR (attempts = :next AND claimedAt < :stale))',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':r': round,
            ':n': attempt,
            ':next': attempt + 1,
            ':at': at,
            ':stale': staleBefore,
          },
          ReturnValues: 'ALL_NEW',
        },
      },
      { old: true },
    );
    if (out.applied) return { outcome: 'claimed', delivery: deliveryFromItem(out.attributes ?? {}) };
    const current = out.old && deliveryFromItem(out.old);
    const heldByLiveClaim =
      current?.status === 'pending' &&
      current.round === round &&
      current.attempts === attempt + 1 &&
      current.claimedAt !== undefined;
    return heldByLiveClaim ? { outcome: 'busy' } : { outcome: 'skipped' };
  }

  async recordAttempt(a: DeliveryAttempt, ttl?: number): Promise<void> {
    await this.putItem(attemptItem(a, ttl));
  }

  async postponeAttempt(
    d: DeliveryKey,
    round: number,
    attempt: number,
    at: string,
    nextAttemptAt: string,
  ): Promise<void> {
    await this.write({
      Update: {
        Key: key(d),
        UpdateExpression: 'SET attempts = :n, nextAttemptAt = :next, updatedAt = :at REMOVE claimedAt',
        ConditionExpression: '#s = :pending AND round = :r AND attempts = :claimed',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'pending',
          ':r': round,
          ':n': attempt,
          ':claimed': attempt + 1,
          ':next': nextAttemptAt,
          ':at': at,
        },
      },
    });
  }

  /**
   * Ends or reschedules the current round; guarded by round so a stale sender cannot overwrite a
   * replay. The attempt, if given, is appended to the delivery's own `attemptLog` in the same
   * write (one call instead of a separate attempt item); a stale sender's attempt, or one past
   * ATTEMPT_LOG_MAX entries, is recorded as its own item instead.
   */
  async settle(
    d: DeliveryKey,
    round: number,
    change: SettleChange,
    attempt?: { record: DeliveryAttempt; ttl?: number | undefined },
  ): Promise<void> {
    const update = settleUpdate(d, round, change);
    if (!attempt) {
      await this.write({ Update: update });
      return;
    }
    update.UpdateExpression = update.UpdateExpression.replace(
      'SET ',
      'SET attemptLog = list_append(if_not_exists(attemptLog, :none), :attempt), ',
    );
    update.ConditionExpression += ' AND (attribute_not_exists(attemptLog) OR size(attemptLog) < :max)';
    Object.assign(update.ExpressionAttributeValues, {
      ':none': [],
      ':attempt': [attemptEntry(attempt.record)],
      ':max': ATTEMPT_LOG_MAX,
    });
    const out = await this.write({ Update: update }, { old: true });
    if (out.applied) return;
    await this.recordAttempt(attempt.record, attempt.ttl);
    // The round matched, so the log was full: settle without it.
    if (out.old?.round === round) await this.write({ Update: settleUpdate(d, round, change) });
  }

  /**
   * Starts a new round (replay or redrive) unless `cause` already started the current one, so a
   * repeated replay message or redrive request never creates a second round.
   */
  async startRound(
    d: DeliveryKey,
    cause: string,
    at: string,
    onlyIfDead: boolean,
    /** The destination generation the new round sends to (replays follow a recreated destination). */
    generation?: string | undefined,
  ): Promise<number | undefined> {
    const out = await this.write({
      Update: {
        Key: key(d),
        UpdateExpression: `SET round = round + :one, attempts = :zero, #s = :pending, roundCause = :c, updatedAt = :at, gsi1pk = :ipk, gsi1sk = :isk${generation === undefined ? '' : ', destinationGeneration = :g'} REMOVE nextAttemptAt, deadReason, claimedAt`,
        ConditionExpression: `${itemExists} AND (attribute_not_exists(roundCause) OR roundCause <> :c)${onlyIfDead ? ' AND #s = :dead' : ''}`,
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':zero': 0,
          ':pending': 'pending',
          ':c': cause,
          ':at': at,
          ':ipk': DELIVERY.pendingPk(d.destinationId, DELIVERY.shardOf(d.eventId)),
          ':isk': DELIVERY.indexSk(at, d.eventId, d.part),
          ...(generation === undefined ? {} : { ':g': generation }),
          ...(onlyIfDead ? { ':dead': 'dead' } : {}),
        },
        ReturnValues: 'ALL_NEW',
      },
    });
    return out.applied ? Number(out.attributes?.round) : undefined;
  }

  async listForEvent(eventId: string): Promise<{ deliveries: Delivery[]; attempts: DeliveryAttempt[] }> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
      ExpressionAttributeValues: { ':pk': EVENT.pk(eventId), ':d': DELIVERY.skPrefix },
      ConsistentRead: true,
    });
    const deliveries = items.filter((it) => it.kind === DELIVERY.kind);
    // Attempt items (written before attempts moved into the delivery, or past its log) and logged
    // attempts, one per (destination, part, round, attempt), in the attempt items' key order.
    const attempts = new Map<string, DeliveryAttempt>();
    for (const it of items) if (it.kind === ATTEMPT.kind) attempts.set(String(it.sk), attemptFromItem(it));
    for (const it of deliveries)
      for (const e of (it.attemptLog ?? []) as Item[]) {
        const a = attemptFromItem(e);
        attempts.set(ATTEMPT.sk(a), a);
      }
    return {
      deliveries: deliveries.map(deliveryFromItem),
      attempts: [...attempts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, a]) => a),
    };
  }

  /** The oldest dead letters first, merged across the shards. */
  async listDeadLetters(destinationId: string, limit = 100): Promise<Delivery[]> {
    const pages = await Promise.all(
      shardPartitions(destinationId, 'dead').map((p) =>
        this.queryPage({
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': p },
          Limit: limit,
        }),
      ),
    );
    const sk = (it: Item) => String(it.gsi1sk);
    const items = pages.flatMap((p) => p.items).sort((a, b) => (sk(a) < sk(b) ? -1 : 1));
    return items.slice(0, limit).map(deliveryFromItem);
  }

  /**
   * A destination's pending deliveries or dead letters, one page each call: the shards in turn,
   * from the cursor's (a LastEvaluatedKey names its shard) until one is cut short or all are read.
   */
  async listIndexedForDestination(
    destinationId: string,
    which: 'pending' | 'dead',
    cursor?: string,
    limit?: number,
  ): Promise<Page<Delivery>> {
    const partitions = shardPartitions(destinationId, which);
    const max = limit ?? SHARD_PAGE;
    let start: Item | undefined = decodeCursor(cursor, INDEX_KEYS);
    const first = start ? partitions.indexOf(String(start.gsi1pk)) : 0;
    if (first < 0) throw invalidCursor();
    const items: Item[] = [];
    const done = (next?: Item) => ({
      items: items.map(deliveryFromItem),
      cursor: next ? encodeCursor(next) : undefined,
    });
    for (let i = first; i < partitions.length; i++) {
      const page = await this.queryPage({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': partitions[i] },
        Limit: max - items.length,
        ExclusiveStartKey: start,
      });
      items.push(...page.items);
      start = page.next;
      if (start) return done(start);
      // Full at a shard's end: the last item's keys resume there (the rest of its shard is empty).
      const last = items.at(-1);
      if (items.length >= max && last && i + 1 < partitions.length)
        return done(Object.fromEntries(INDEX_KEYS.map((k) => [k, last[k]])));
    }
    return done();
  }

  /**
   * Counts a list across its shards at once, reading only the index keys, each shard up to `cap`
   * entries (so the cost is bounded); the oldest is the earliest first entry of a shard.
   */
  async countIndexed(destinationId: string, which: 'pending' | 'dead', cap: number): Promise<IndexCount> {
    const shards = await Promise.all(
      shardPartitions(destinationId, which).map((p) => this.countShard(p, cap)),
    );
    const count = shards.reduce((n, s) => n + s.count, 0);
    const oldest = shards
      .map((s) => s.first)
      .filter((f): f is string => f !== undefined)
      .sort()[0];
    return { count: Math.min(count, cap), capped: count > cap, oldestAt: timeOf(oldest) };
  }

  private async countShard(partition: string, cap: number): Promise<{ count: number; first?: string }> {
    let count = 0;
    let first: string | undefined;
    let start: Item | undefined;
    do {
      const page = await this.queryPage({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': partition },
        ProjectionExpression: 'gsi1sk',
        Limit: cap - count + 1,
        ExclusiveStartKey: start,
      });
      if (count === 0 && typeof page.items[0]?.gsi1sk === 'string') first = page.items[0].gsi1sk;
      count += page.items.length;
      start = page.next;
    } while (start && count <= cap);
    return { count, first };
  }

  /**
   * The destination was deleted: a pending delivery becomes dead (destination_deleted), a dead
   * letter leaves the dead-letter list, so neither can reach a destination later created with the
   * same id. Conditional on the round read, so a concurrent replay's new round is left alone.
   */
  async retireForDeletedDestination(d: Delivery, at: string): Promise<void> {
    const pending = d.status === 'pending';
    await this.write({
      Update: {
        Key: key(d),
        UpdateExpression: pending
          ? 'SET #s = :dead, deadReason = :why, updatedAt = :at REMOVE gsi1pk, gsi1sk, nextAttemptAt, claimedAt'
          : 'REMOVE gsi1pk, gsi1sk',
        ConditionExpression: 'round = :r AND #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':r': d.round,
          ':s': d.status,
          ...(pending ? { ':dead': 'dead', ':why': 'destination_deleted', ':at': at } : {}),
        },
      },
    });
  }
}

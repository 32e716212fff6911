/**
 * DeliveryStore: destinations, deliveries + attempts (under the event's partition, so
 * GET /events/{id}/deliveries is one query), dead letters (gsi1), payment read model (gsi1 for a
 * customer's subscriptions, gsi2 to find an object by id across providers) and replay jobs.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Delivery, DeliveryAttempt, Destination, ObjectState, ReplayJob } from '../../delivery/types.js';
import { eventPk } from '../../events/record.js';
import { isConditionalCheckFailed, queryAll, storeCall } from './client.js';

const destPk = (id: string) => `dest#${id}`;
const deliverySk = (destinationId: string, part: number) =>
  `delivery#${destinationId}#${String(part).padStart(2, '0')}`;
const attemptSk = (a: Pick<DeliveryAttempt, 'destinationId' | 'part' | 'round' | 'attempt'>) =>
  `${deliverySk(a.destinationId, a.part)}#attempt#${String(a.round).padStart(4, '0')}#${String(a.attempt).padStart(2, '0')}`;
const objectPk = (provider: string, type: string, id: string) => `payobj#${provider}#${type}#${id}`;
const replayPk = (id: string) => `replay#${id}`;
const deadLetterPk = (destinationId: string) => `deadletter#${destinationId}`;
/** gsi1 partition of a destination's pending deliveries, so deleting the destination can settle them. */
const pendingPk = (destinationId: string) => `pending#${destinationId}`;

export type ClaimResult =
  | { outcome: 'claimed'; delivery: Delivery }
  /** Someone holds a claim on this attempt that is not stale yet: try the message again later. */
  | { outcome: 'busy' }
  /** Stale or duplicate message: nothing to do. */
  | { outcome: 'skipped' };

const strip = (item: Record<string, unknown>) => {
  const {
    pk: _pk,
    sk: _sk,
    kind: _k,
    gsi1pk: _a,
    gsi1sk: _b,
    gsi2pk: _c,
    gsi2sk: _d,
    ttl: _t,
    ...rest
  } = item;
  return rest;
};

export class DeliveryStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  // One typed funnel for the document-client commands; every call goes through storeCall.
  private send<T>(cmd: PutCommand | GetCommand | DeleteCommand | QueryCommand | UpdateCommand): Promise<T> {
    const client = this.ddb as unknown as { send(c: unknown): Promise<T> };
    return storeCall(() => client.send(cmd));
  }

  // --- destinations -------------------------------------------------------------------------

  async putDestination(d: Destination): Promise<void> {
    await this.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: destPk(d.id),
          sk: 'destination',
          kind: 'destination',
          gsi1pk: 'destinations',
          gsi1sk: d.id,
          ...d,
        },
      }),
    );
  }

  async getDestination(id: string): Promise<Destination | undefined> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      new GetCommand({
        TableName: this.table,
        Key: { pk: destPk(id), sk: 'destination' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? (strip(out.Item) as unknown as Destination) : undefined;
  }

  async deleteDestination(id: string): Promise<boolean> {
    const out = await this.send<{ Attributes?: Record<string, unknown> }>(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: destPk(id), sk: 'destination' },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes !== undefined;
  }

  async listDestinations(): Promise<Destination[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': 'destinations' },
    });
    return items.map((it) => strip(it) as unknown as Destination);
  }

  async disableDestination(id: string, reason: string, at: string): Promise<void> {
    try {
      await this.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: destPk(id), sk: 'destination' },
          UpdateExpression: 'SET #s = :d, disabledReason = :r, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':d': 'disabled', ':r': reason, ':at': at },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  // --- deliveries ---------------------------------------------------------------------------

  /**
   * Creates the delivery once; a reprocessed stream record finds it and creates nothing. With
   * `nowSec`, a row whose ttl has passed (an event re-sent after retention) counts as absent.
   */
  async createDelivery(d: Delivery, ttl?: number, nowSec?: number): Promise<'created' | 'exists'> {
    try {
      await this.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: eventPk(d.eventId),
            sk: deliverySk(d.destinationId, d.part),
            kind: 'delivery',
            ttl,
            ...d,
            ...(d.status === 'pending'
              ? { gsi1pk: pendingPk(d.destinationId), gsi1sk: `${d.createdAt}#${d.eventId}#${d.part}` }
              : {}),
          },
          ...absentOrExpired(nowSec),
        }),
      );
      return 'created';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'exists';
      throw err;
    }
  }

  async getDelivery(eventId: string, destinationId: string, part: number): Promise<Delivery | undefined> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      new GetCommand({
        TableName: this.table,
        Key: { pk: eventPk(eventId), sk: deliverySk(destinationId, part) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? (strip(out.Item) as unknown as Delivery) : undefined;
  }

  /**
   * Claims attempt `attempt` of `round`: only one consumer of a duplicated message sends. A claim
   * that was never settled (the function died after claiming: timeout, crash, a failed store or
   * queue call) can be taken again by the same (round, attempt) once it is older than `staleBefore`,
   * so the queue's redelivery re-sends it instead of dropping it. Settling removes `claimedAt`.
   */
  async claimAttempt(
    d: Pick<Delivery, 'eventId' | 'destinationId' | 'part'>,
    round: number,
    attempt: number,
    at: string,
    staleBefore: string,
  ): Promise<ClaimResult> {
    const key = { pk: eventPk(d.eventId), sk: deliverySk(d.destinationId, d.part) };
    try {
      const out = await this.send<{ Attributes?: Record<string, unknown> }>(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
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
        }),
      );
      return { outcome: 'claimed', delivery: strip(out.Attributes ?? {}) as unknown as Delivery };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const current = await this.getDelivery(d.eventId, d.destinationId, d.part);
    const heldByLiveClaim =
      current?.status === 'pending' &&
      current.round === round &&
      current.attempts === attempt + 1 &&
      current.claimedAt !== undefined;
    return heldByLiveClaim ? { outcome: 'busy' } : { outcome: 'skipped' };
  }

  async recordAttempt(a: DeliveryAttempt, ttl?: number): Promise<void> {
    await this.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: eventPk(a.eventId), sk: attemptSk(a), kind: 'delivery_attempt', ttl, ...a },
      }),
    );
  }

  /** Ends or reschedules the current round; guarded by round so a stale sender cannot overwrite a replay. */
  async settle(
    d: Pick<Delivery, 'eventId' | 'destinationId' | 'part'>,
    round: number,
    change: {
      status: 'delivered' | 'pending' | 'dead';
      at: string;
      lastStatus: number;
      lastError?: string | undefined;
      nextAttemptAt?: string | undefined;
      deadReason?: string | undefined;
    },
  ): Promise<void> {
    const names: Record<string, string> = { '#s': 'status' };
    const values: Record<string, unknown> = {
      ':s': change.status,
      ':at': change.at,
      ':ls': change.lastStatus,
      ':r': round,
    };
    const sets = ['#s = :s', 'updatedAt = :at', 'lastStatus = :ls'];
    const removes: string[] = [];
    const opt = (name: string, v: string | undefined) => {
      if (v === undefined) removes.push(name);
      else {
        sets.push(`${name} = :${name}`);
        values[`:${name}`] = v;
      }
    };
    opt('lastError', change.lastError);
    opt('nextAttemptAt', change.nextAttemptAt);
    opt('deadReason', change.deadReason);
    removes.push('claimedAt');
    // A delivery of a deleted destination is dead for good: not in the dead-letter list redrive reads.
    if (change.status === 'dead' && change.deadReason !== 'destination_deleted') {
      sets.push('gsi1pk = :ipk', 'gsi1sk = :isk');
      values[':ipk'] = deadLetterPk(d.destinationId);
      values[':isk'] = `${change.at}#${d.eventId}#${d.part}`;
    } else if (change.status === 'pending') {
      sets.push('gsi1pk = :ipk', 'gsi1sk = :isk');
      values[':ipk'] = pendingPk(d.destinationId);
      values[':isk'] = `${change.at}#${d.eventId}#${d.part}`;
    } else removes.push('gsi1pk', 'gsi1sk');
    try {
      await this.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: eventPk(d.eventId), sk: deliverySk(d.destinationId, d.part) },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'round = :r',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /**
   * Starts a new round (replay or redrive) unless `cause` already started the current one, so a
   * repeated replay message or redrive request never creates a second round.
   */
  async startRound(
    d: Pick<Delivery, 'eventId' | 'destinationId' | 'part'>,
    cause: string,
    at: string,
    onlyIfDead: boolean,
    /** The destination generation the new round sends to (replays follow a recreated destination). */
    generation?: string | undefined,
  ): Promise<number | undefined> {
    try {
      const out = await this.send<{ Attributes?: Record<string, unknown> }>(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: eventPk(d.eventId), sk: deliverySk(d.destinationId, d.part) },
          UpdateExpression: `SET round = round + :one, attempts = :zero, #s = :pending, roundCause = :c, updatedAt = :at, gsi1pk = :ipk, gsi1sk = :isk${generation === undefined ? '' : ', destinationGeneration = :g'} REMOVE nextAttemptAt, deadReason, claimedAt`,
          ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(roundCause) OR roundCause <> :c)${onlyIfDead ? ' AND #s = :dead' : ''}`,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':zero': 0,
            ':pending': 'pending',
            ':c': cause,
            ':at': at,
            ':ipk': pendingPk(d.destinationId),
            ':isk': `${at}#${d.eventId}#${d.part}`,
            ...(generation === undefined ? {} : { ':g': generation }),
            ...(onlyIfDead ? { ':dead': 'dead' } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Number(out.Attributes?.round);
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  async listForEvent(eventId: string): Promise<{ deliveries: Delivery[]; attempts: DeliveryAttempt[] }> {
    const deliveries: Delivery[] = [];
    const attempts: DeliveryAttempt[] = [];
    const items = await queryAll(this.ddb, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
      ExpressionAttributeValues: { ':pk': eventPk(eventId), ':d': 'delivery#' },
      ConsistentRead: true,
    });
    for (const it of items) {
      if (it.kind === 'delivery') deliveries.push(strip(it) as unknown as Delivery);
      else if (it.kind === 'delivery_attempt') attempts.push(strip(it) as unknown as DeliveryAttempt);
    }
    return { deliveries, attempts };
  }

  async listDeadLetters(destinationId: string, limit = 100): Promise<Delivery[]> {
    const out = await this.send<{ Items?: Record<string, unknown>[] }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': deadLetterPk(destinationId) },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((it) => strip(it) as unknown as Delivery);
  }

  /** A destination's pending deliveries and dead letters (one page each call). */
  async listIndexedForDestination(
    destinationId: string,
    which: 'pending' | 'dead',
    start?: Record<string, unknown>,
  ): Promise<{ items: Delivery[]; next?: Record<string, unknown> | undefined }> {
    const out = await this.send<{
      Items?: Record<string, unknown>[];
      LastEvaluatedKey?: Record<string, unknown>;
    }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: {
          ':p': which === 'pending' ? pendingPk(destinationId) : deadLetterPk(destinationId),
        },
        ExclusiveStartKey: start,
      }),
    );
    return {
      items: (out.Items ?? []).map((it) => strip(it) as unknown as Delivery),
      next: out.LastEvaluatedKey,
    };
  }

  /**
   * The destination was deleted: a pending delivery becomes dead (destination_deleted), a dead
   * letter leaves the dead-letter list, so neither can reach a destination later created with the
   * same id. Conditional on the round read, so a concurrent replay's new round is left alone.
   */
  async retireForDeletedDestination(d: Delivery, at: string): Promise<void> {
    const pending = d.status === 'pending';
    try {
      await this.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: eventPk(d.eventId), sk: deliverySk(d.destinationId, d.part) },
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
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  // --- read model ---------------------------------------------------------------------------

  /** Writes the state only if it is newer than what is stored: the ordering guard and the exactly-once rule in one condition. */
  async applyState(s: ObjectState): Promise<'applied' | 'stale'> {
    const item: Record<string, unknown> = {
      pk: objectPk(s.provider, s.objectType, s.objectId),
      sk: 'state',
      kind: 'payment_object',
      gsi2pk: `payobj#${s.objectType}#${s.objectId}`,
      gsi2sk: s.provider,
      ...s,
    };
    if (s.objectType === 'subscription' && s.customerId) {
      item.gsi1pk = `customer#${s.customerId}`;
      item.gsi1sk = `subscription#${s.provider}#${s.objectId}`;
    }
    try {
      await this.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR #o < :o',
          ExpressionAttributeNames: { '#o': 'order' },
          ExpressionAttributeValues: { ':o': s.order },
        }),
      );
      return 'applied';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'stale';
      throw err;
    }
  }

  /** An object by its provider id; several providers may share an id, so all matches are returned. */
  async findObjects(objectType: string, objectId: string, provider?: string): Promise<ObjectState[]> {
    const out = await this.send<{ Items?: Record<string, unknown>[] }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: provider ? 'gsi2pk = :p AND gsi2sk = :prov' : 'gsi2pk = :p',
        ExpressionAttributeValues: {
          ':p': `payobj#${objectType}#${objectId}`,
          ...(provider ? { ':prov': provider } : {}),
        },
      }),
    );
    return (out.Items ?? []).map((it) => strip(it) as unknown as ObjectState);
  }

  async getObject(provider: string, objectType: string, objectId: string): Promise<ObjectState | undefined> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      new GetCommand({
        TableName: this.table,
        Key: { pk: objectPk(provider, objectType, objectId), sk: 'state' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? (strip(out.Item) as unknown as ObjectState) : undefined;
  }

  async customerSubscriptions(customerId: string, provider?: string): Promise<ObjectState[]> {
    const out = await this.send<{ Items?: Record<string, unknown>[] }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND begins_with(gsi1sk, :s)',
        ExpressionAttributeValues: {
          ':p': `customer#${customerId}`,
          ':s': provider ? `subscription#${provider}#` : 'subscription#',
        },
      }),
    );
    return (out.Items ?? []).map((it) => strip(it) as unknown as ObjectState);
  }

  // --- bus publication marker -----------------------------------------------------------------

  /**
   * Claims the one first publication of an event to the bus; false if it is taken. A claim not
   * confirmed after PutEvents (the function died in between) is taken again by the same stream
   * record (`token`, its sequence number: a shard runs one batch at a time, so that claimer is gone)
   * or by anyone once older than `staleBefore`.
   */
  async claimPublication(
    eventId: string,
    at: string,
    opts: { ttl?: number; nowSec?: number; token?: string | undefined; staleBefore: string },
  ): Promise<boolean> {
    const values: Record<string, unknown> = { ':stale': opts.staleBefore };
    let retake = 'claimedAt < :stale';
    if (opts.token !== undefined) {
      retake = `(${retake} OR claimToken = :token)`;
      values[':token'] = opts.token;
    }
    let condition = `attribute_not_exists(pk) OR (attribute_not_exists(confirmedAt) AND ${retake})`;
    if (opts.nowSec !== undefined) {
      condition += ' OR #ttl < :now';
      values[':now'] = opts.nowSec;
    }
    try {
      await this.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: eventPk(eventId),
            sk: 'published#bus',
            kind: 'bus_marker',
            at,
            claimedAt: at,
            claimToken: opts.token,
            ttl: opts.ttl,
          },
          ConditionExpression: condition,
          ...(opts.nowSec !== undefined ? { ExpressionAttributeNames: { '#ttl': 'ttl' } } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** After PutEvents succeeded: the marker can no longer be re-taken. */
  async confirmPublication(eventId: string, at: string, ttl?: number): Promise<void> {
    await this.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: eventPk(eventId), sk: 'published#bus', kind: 'bus_marker', at, confirmedAt: at, ttl },
      }),
    );
  }

  async releasePublication(eventId: string): Promise<void> {
    await this.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: eventPk(eventId), sk: 'published#bus' } }),
    );
  }

  // --- replay jobs --------------------------------------------------------------------------

  async createReplay(job: ReplayJob): Promise<'created' | 'exists'> {
    try {
      await this.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: replayPk(job.id), sk: 'replay', kind: 'replay', ...job },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'exists';
      throw err;
    }
  }

  async getReplay(id: string): Promise<ReplayJob | undefined> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      new GetCommand({
        TableName: this.table,
        Key: { pk: replayPk(id), sk: 'replay' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? (strip(out.Item) as unknown as ReplayJob) : undefined;
  }

  /** Moves the job past one page; conditional on the page it started from, so a page is counted once. */
  async advanceReplay(
    job: ReplayJob,
    next: { cursor: string | undefined; scanned: number; queued: number; at: string },
  ): Promise<boolean> {
    const done = next.cursor === undefined;
    try {
      await this.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: replayPk(job.id), sk: 'replay' },
          UpdateExpression: `SET pages = pages + :one, eventsScanned = eventsScanned + :sc, deliveriesQueued = deliveriesQueued + :q, updatedAt = :at, #s = :s${done ? ' REMOVE #c' : ', #c = :c'}`,
          ConditionExpression:
            job.cursor === undefined ? 'attribute_not_exists(#c) AND pages = :p' : '#c = :old',
          ExpressionAttributeNames: { '#s': 'status', '#c': 'cursor' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':sc': next.scanned,
            ':q': next.queued,
            ':at': next.at,
            ':s': done ? 'done' : 'running',
            ...(done ? {} : { ':c': next.cursor }),
            ...(job.cursor === undefined ? { ':p': job.pages } : { ':old': job.cursor }),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }
}

/** Put condition: no item yet, or (given the time) one whose ttl has passed but is not yet removed. */
function absentOrExpired(nowSec: number | undefined) {
  if (nowSec === undefined) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return {
    ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
    ExpressionAttributeNames: { '#ttl': 'ttl' },
    ExpressionAttributeValues: { ':now': nowSec },
  };
}

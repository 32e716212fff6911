/** The bus publication marker of an event (under the event's partition): claimed, then confirmed or released. */
import type { BusMarkerRepo } from '../../ports/index.js';
import { itemAbsent, TTL_NAME, ttlPassed } from './conditional.js';
import { BUS_MARKER, EVENT } from './keys.js';
import { DynamoRepo } from './repo.js';

const key = (eventId: string) => ({ pk: EVENT.pk(eventId), sk: BUS_MARKER.sk });
const confirmed = (eventId: string, at: string, ttl?: number) => ({
  ...key(eventId),
  kind: BUS_MARKER.kind,
  at,
  confirmedAt: at,
  ttl,
});

export class DynamoBusMarkerRepo extends DynamoRepo implements BusMarkerRepo {
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
    let condition = `${itemAbsent} OR (attribute_not_exists(confirmedAt) AND ${retake})`;
    if (opts.nowSec !== undefined) {
      condition += ` OR ${ttlPassed}`;
      values[':now'] = opts.nowSec;
    }
    const out = await this.write({
      Put: {
        Item: {
          ...key(eventId),
          kind: BUS_MARKER.kind,
          at,
          claimedAt: at,
          claimToken: opts.token,
          ttl: opts.ttl,
        },
        ConditionExpression: condition,
        ...(opts.nowSec !== undefined ? { ExpressionAttributeNames: TTL_NAME } : {}),
        ExpressionAttributeValues: values,
      },
    });
    return out.applied;
  }

  /** After PutEvents succeeded: the marker can no longer be re-taken. */
  async confirmPublication(eventId: string, at: string, ttl?: number): Promise<void> {
    await this.putItem(confirmed(eventId, at, ttl));
  }

  /** A stream batch's confirmations: unconditional puts, so one BatchWriteItem per 25. */
  async confirmPublications(eventIds: string[], at: string, ttl?: number): Promise<void> {
    await this.batchPut(eventIds.map((id) => confirmed(id, at, ttl)));
  }

  async releasePublication(eventId: string): Promise<void> {
    await this.write({ Delete: { Key: key(eventId) } });
  }
}

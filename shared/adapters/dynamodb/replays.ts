/** Bulk replay jobs: one item each; the cursor advances conditionally so a page is counted once. */
import type { ReplayJob } from '../../delivery/types.js';
import type { Page, ReplayRepo } from '../../ports/index.js';
import { type Item, num, oneOf, optStr, str } from './codec.js';
import { itemAbsent } from './conditional.js';
import { REPLAY } from './keys.js';
import { DynamoRepo } from './repo.js';

const key = (id: string) => ({ pk: REPLAY.pk(id), sk: REPLAY.sk });

export const replayItem = (job: ReplayJob): Item => ({
  ...key(job.id),
  kind: REPLAY.kind,
  gsi1pk: REPLAY.allPk,
  gsi1sk: REPLAY.listSk(job.createdAt, job.id),
  ...job,
});

export const replayFromItem = (it: Item): ReplayJob => ({
  id: str(it.id),
  status: oneOf(it.status, ['running', 'done']),
  from: str(it.from),
  to: str(it.to),
  provider: optStr(it.provider),
  type: optStr(it.type),
  normalisedType: optStr(it.normalisedType),
  destinationId: optStr(it.destinationId),
  cursor: optStr(it.cursor),
  pages: num(it.pages),
  eventsScanned: num(it.eventsScanned),
  deliveriesQueued: num(it.deliveriesQueued),
  createdAt: str(it.createdAt),
  updatedAt: str(it.updatedAt),
});

export class DynamoReplayRepo extends DynamoRepo implements ReplayRepo {
  async createReplay(job: ReplayJob): Promise<'created' | 'exists'> {
    const out = await this.write({ Put: { Item: replayItem(job), ConditionExpression: itemAbsent } });
    return out.applied ? 'created' : 'exists';
  }

  async getReplay(id: string): Promise<ReplayJob | undefined> {
    const item = await this.getItem(key(id));
    return item ? replayFromItem(item) : undefined;
  }

  async listReplays(limit: number, cursor?: string): Promise<Page<ReplayJob>> {
    const page = await this.listPage(REPLAY.allPk, limit, cursor, true);
    return { ...page, items: page.items.map(replayFromItem) };
  }

  /** Moves the job past one page; conditional on the page it started from, so a page is counted once. */
  async advanceReplay(
    job: ReplayJob,
    next: { cursor: string | undefined; scanned: number; queued: number; at: string },
  ): Promise<boolean> {
    const done = next.cursor === undefined;
    const out = await this.write({
      Update: {
        Key: key(job.id),
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
      },
    });
    return out.applied;
  }
}

/**
 * Reconcilers: one item each, holding the settings, the checkpoint, the run so far and the last
 * run, and the run lease (`leaseOwner`, `leaseUntil`) that keeps two runs of one reconciler apart.
 */
import type { Page, ReconcilerRepo } from '../../ports/index.js';
import type { ReconcileRun, Reconciler, ReconcilerSettings } from '../../reconcile/types.js';
import { type Item, num, obj, optStr, str } from './codec.js';
import { itemExists } from './conditional.js';
import { RECONCILER } from './keys.js';
import { DynamoRepo } from './repo.js';

const key = (id: string) => ({ pk: RECONCILER.pk(id), sk: RECONCILER.sk });

const runFromItem = (v: unknown): ReconcileRun | undefined => {
  if (v === undefined || v === null) return undefined;
  const r = obj(v);
  const error = r.error === undefined ? undefined : obj(r.error);
  return {
    trigger: r.trigger === 'manual' ? 'manual' : 'schedule',
    status: (['running', 'completed', 'partial', 'failed'] as const).find((s) => s === r.status) ?? 'failed',
    startedAt: str(r.startedAt),
    finishedAt: optStr(r.finishedAt),
    windowFrom: str(r.windowFrom),
    windowTo: str(r.windowTo),
    after: optStr(r.after),
    pages: num(r.pages),
    listed: num(r.listed),
    stored: num(r.stored),
    skipped: num(r.skipped),
    errors: num(r.errors),
    error: error && { code: str(error.code), detail: str(error.detail) },
  };
};

export const reconcilerFromItem = (it: Item): Reconciler => ({
  id: str(it.id),
  provider: str(it.provider),
  source: str(it.source),
  integrationId: str(it.integrationId),
  intervalMinutes: num(it.intervalMinutes),
  lookbackHours: num(it.lookbackHours),
  createdAt: str(it.createdAt),
  updatedAt: str(it.updatedAt),
  checkpoint: optStr(it.checkpoint),
  nextRunAt: str(it.nextRunAt),
  progress: runFromItem(it.progress),
  lastRun: runFromItem(it.lastRun),
});

/** The lease is free, or its time has passed. */
const leaseFree = 'attribute_not_exists(leaseUntil) OR leaseUntil < :now';

export class DynamoReconcilerRepo extends DynamoRepo implements ReconcilerRepo {
  async save(
    r: Pick<Reconciler, 'id' | 'provider' | 'source'> & ReconcilerSettings,
    now: string,
  ): Promise<{ reconciler: Reconciler; created: boolean }> {
    // One write: new settings, the first creation time kept, the first run due at once; the old
    // item tells whether it was new and holds the state the answer shows.
    const out = await this.write({
      Update: {
        Key: key(r.id),
        UpdateExpression:
          'SET kind = :kind, gsi1pk = :g1, gsi1sk = :id, id = :id, provider = :p, #src = :s, integrationId = :i, intervalMinutes = :m, lookbackHours = :h, updatedAt = :now, createdAt = if_not_exists(createdAt, :now), nextRunAt = if_not_exists(nextRunAt, :now)',
        ExpressionAttributeNames: { '#src': 'source' },
        ExpressionAttributeValues: {
          ':kind': RECONCILER.kind,
          ':g1': RECONCILER.allPk,
          ':id': r.id,
          ':p': r.provider,
          ':s': r.source,
          ':i': r.integrationId,
          ':m': r.intervalMinutes,
          ':h': r.lookbackHours,
          ':now': now,
        },
        ReturnValues: 'ALL_OLD',
      },
    });
    const previous = out.applied ? out.attributes : undefined;
    const reconciler = reconcilerFromItem({
      ...previous,
      ...r,
      updatedAt: now,
      createdAt: previous?.createdAt ?? now,
      nextRunAt: previous?.nextRunAt ?? now,
    });
    return { reconciler, created: !previous };
  }

  async get(id: string): Promise<Reconciler | undefined> {
    const item = await this.getItem(key(id));
    return item ? reconcilerFromItem(item) : undefined;
  }

  async list(limit: number, cursor?: string): Promise<Page<Reconciler>> {
    const page = await this.listPage(RECONCILER.allPk, limit, cursor);
    return { ...page, items: page.items.map(reconcilerFromItem) };
  }

  async beginRun(id: string, owner: string, now: string, until: string): Promise<boolean> {
    const out = await this.write({
      Update: {
        Key: key(id),
        UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
        ConditionExpression: `${itemExists} AND (${leaseFree})`,
        ExpressionAttributeValues: { ':o': owner, ':u': until, ':now': now },
      },
    });
    return out.applied;
  }

  async saveProgress(id: string, owner: string, run: ReconcileRun): Promise<boolean> {
    const out = await this.write({
      Update: {
        Key: key(id),
        UpdateExpression: 'SET progress = :r',
        ConditionExpression: 'leaseOwner = :o',
        ExpressionAttributeValues: { ':r': run, ':o': owner },
      },
    });
    return out.applied;
  }

  async finishRun(
    id: string,
    owner: string,
    end: { run: ReconcileRun; nextRunAt: string; checkpoint?: string | undefined },
  ): Promise<void> {
    const done = end.checkpoint !== undefined;
    await this.write({
      Update: {
        Key: key(id),
        UpdateExpression: `SET lastRun = :r, nextRunAt = :n${done ? ', checkpoint = :c REMOVE progress, ' : ', progress = :r REMOVE '}leaseOwner, leaseUntil`,
        ConditionExpression: 'leaseOwner = :o',
        ExpressionAttributeValues: {
          ':r': end.run,
          ':n': end.nextRunAt,
          ':o': owner,
          ...(done ? { ':c': end.checkpoint } : {}),
        },
      },
    });
  }
}

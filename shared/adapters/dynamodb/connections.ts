/**
 * Connections in the single table, every write version-conditional. gsi1 lists by end user, gsi2
 * (`connections`, `{integrationId}#{status}#{id}`) by integration and status for the listings, the
 * refresher and the vault re-encryption. Sessions and states: sessions.ts; revocation jobs: revocations.ts.
 */
import type { ConnectionRecord } from '../../connections/model.js';
import type { ConnectionQuery, ConnectionRepo, LeaseUpdateOptions, Page } from '../../ports/index.js';
import { type Item, num, obj, oneOf, optNum, optStr, str, strs } from './codec.js';
import { itemAbsent, itemExists } from './conditional.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { CONNECTION } from './keys.js';
import { DynamoRevocationJobRepo } from './revocations.js';

const key = (id: string) => ({ pk: CONNECTION.pk(id), sk: CONNECTION.sk });

export const connectionItem = (c: ConnectionRecord): Item => ({
  ...key(c.id),
  kind: CONNECTION.kind,
  gsi1pk: CONNECTION.userPk(c.endUserId),
  gsi1sk: CONNECTION.userSk(c),
  gsi2pk: CONNECTION.allPk,
  gsi2sk: CONNECTION.statusSk(c),
  ...c,
});

export const connectionFromItem = (it: Item): ConnectionRecord => ({
  id: str(it.id),
  integrationId: str(it.integrationId),
  provider: str(it.provider),
  endUserId: str(it.endUserId),
  status: oneOf(it.status, ['active', 'needs_reauth']),
  scopes: strs(it.scopes),
  metadata: obj(it.metadata),
  providerMetadata: obj(it.providerMetadata),
  tokens: str(it.tokens),
  kid: str(it.kid),
  hasRefreshToken: it.hasRefreshToken === true,
  expiresAt: optNum(it.expiresAt),
  tokenIssuedAt: optNum(it.tokenIssuedAt),
  version: num(it.version),
  leaseOwner: optStr(it.leaseOwner),
  leaseUntil: optNum(it.leaseUntil),
  refreshFailures: num(it.refreshFailures),
  firstFailureAt: optNum(it.firstFailureAt),
  invalidGrantStreak: optNum(it.invalidGrantStreak),
  invalidGrantSince: optNum(it.invalidGrantSince),
  lastError: optStr(it.lastError),
  lastRefreshedAt: optStr(it.lastRefreshedAt),
  createdAt: str(it.createdAt),
  updatedAt: str(it.updatedAt),
});

/**
 * The index, key condition and filter of a connection listing. By end user: gsi1, its sort key
 * starts with the integration. Otherwise gsi2, whose sort key starts with integration and status.
 */
function listQuery(q: ConnectionQuery) {
  const byUser = q.endUserId !== undefined;
  const [index, pkName, skName] = byUser ? ['gsi1', 'gsi1pk', 'gsi1sk'] : ['gsi2', 'gsi2pk', 'gsi2sk'];
  const values: Record<string, unknown> = {
    ':p': byUser ? CONNECTION.userPk(String(q.endUserId)) : CONNECTION.allPk,
  };
  let keyCondition = `${pkName} = :p`;
  const statusInKey = !byUser && q.integrationId !== undefined && q.status !== undefined;
  if (q.integrationId !== undefined) {
    keyCondition += ` AND begins_with(${skName}, :prefix)`;
    values[':prefix'] = statusInKey ? `${q.integrationId}#${q.status}#` : `${q.integrationId}#`;
  }
  const filter = q.status !== undefined && !statusInKey;
  if (filter) values[':s'] = q.status;
  return {
    cursorKeys: ['pk', 'sk', pkName, skName],
    input: {
      IndexName: index,
      KeyConditionExpression: keyCondition,
      ...(filter
        ? { FilterExpression: '#status = :s', ExpressionAttributeNames: { '#status': 'status' } }
        : {}),
      ExpressionAttributeValues: values,
    },
  };
}

export class DynamoConnectionRepo extends DynamoRevocationJobRepo implements ConnectionRepo {
  async get(id: string): Promise<ConnectionRecord | undefined> {
    const item = await this.getItem(key(id));
    return item ? connectionFromItem(item) : undefined;
  }

  /** Writes a whole connection; `expectedVersion` undefined means "must not exist yet". */
  async save(c: ConnectionRecord, expectedVersion: number | undefined): Promise<boolean> {
    const out = await this.write({
      Put: {
        Item: connectionItem(c),
        ConditionExpression: expectedVersion === undefined ? itemAbsent : 'version = :v',
        ...(expectedVersion === undefined ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
      },
    });
    return out.applied;
  }

  /** Takes the refresh lease unless another holder's lease is still running. */
  async acquireLease(id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const out = await this.write({
      Update: {
        Key: key(id),
        UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
        ConditionExpression: `${itemExists} AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)`,
        ExpressionAttributeValues: { ':o': owner, ':u': now + leaseMs, ':now': now },
      },
    });
    return out.applied;
  }

  /**
   * Updates fields of a connection the caller holds the lease on, at the version it read; the
   * lease is released in the same write. `bumpVersion` for any change to the sealed tokens.
   * `leaseLost`: our lease ran out (someone else may hold one now), so the write is conditional
   * on the version alone and leaves the lease attributes alone.
   */
  async updateUnderLease(
    id: string,
    owner: string,
    expectedVersion: number,
    set: Partial<ConnectionRecord>,
    opts: LeaseUpdateOptions,
  ): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = opts.leaseLost
      ? { ':v': expectedVersion }
      : { ':owner': owner, ':v': expectedVersion };
    const sets: string[] = [];
    for (const [k, v] of Object.entries(set)) {
      if (v === undefined || k === 'version') continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    if (set.status !== undefined && set.integrationId === undefined) {
      // keep the gsi2 sort key in step with the status
      const current = await this.get(id);
      if (current) {
        names['#gsi2sk'] = 'gsi2sk';
        values[':gsi2sk'] = CONNECTION.statusSk({ ...current, status: set.status });
        sets.push('#gsi2sk = :gsi2sk');
      }
    }
    if (opts.bumpVersion) {
      values[':one'] = 1;
      sets.push('version = version + :one');
    }
    const removes = [...(opts.leaseLost ? [] : ['leaseOwner', 'leaseUntil']), ...(opts.remove ?? [])];
    for (const r of opts.remove ?? []) names[`#${r}`] = r;
    const removeExpr = removes.map((r) => (opts.remove?.includes(r as keyof ConnectionRecord) ? `#${r}` : r));
    const out = await this.write({
      Update: {
        Key: key(id),
        UpdateExpression: `${sets.length ? `SET ${sets.join(', ')} ` : ''}${removeExpr.length ? `REMOVE ${removeExpr.join(', ')}` : ''}`,
        ConditionExpression: opts.leaseLost ? 'version = :v' : 'version = :v AND leaseOwner = :owner',
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
      },
    });
    return out.applied;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.write({
      Update: {
        Key: key(id),
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: 'leaseOwner = :o',
        ExpressionAttributeValues: { ':o': owner },
      },
    });
  }

  /** Replaces the sealed tokens at a version (vault re-encryption); the plaintext is unchanged. */
  async reseal(id: string, expectedVersion: number, tokens: string, kid: string): Promise<boolean> {
    const out = await this.write({
      Update: {
        Key: key(id),
        UpdateExpression: 'SET tokens = :t, kid = :k, version = version + :one',
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':t': tokens, ':k': kid, ':one': 1, ':v': expectedVersion },
      },
    });
    return out.applied;
  }

  delete(id: string): Promise<boolean> {
    return this.deleteItem(key(id));
  }

  /** A page of connections; the cursor holds the keys of the index the query uses (else 400 invalid_cursor). */
  async list(q: ConnectionQuery): Promise<Page<ConnectionRecord>> {
    const { cursorKeys, input } = listQuery(q);
    const page = await this.queryPage({
      ...input,
      Limit: q.limit ?? 100,
      ExclusiveStartKey: decodeCursor(q.cursor, cursorKeys),
    });
    return {
      items: page.items.map(connectionFromItem),
      ...(page.next ? { cursor: encodeCursor(page.next) } : {}),
    };
  }
}

import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ConnectionRecord,
  ConnectionStatus,
  ConnectSession,
  OAuthState,
} from '../../connections/model.js';
import { conditionalWrite, isConditionalCheckFailed, storeCall } from './client.js';

const sessionPk = (id: string) => `csess#${id}`;
const statePk = (state: string) => `ostate#${state}`;
const connPk = (id: string) => `conn#${id}`;
const CONN_SK = 'conn';
const ALL_CONNECTIONS = 'connections';
const ttlOf = (epochMs: number) => Math.ceil(epochMs / 1000) + 3600;
const gsi2sk = (c: Pick<ConnectionRecord, 'integrationId' | 'status' | 'id'>) =>
  `${c.integrationId}#${c.status}#${c.id}`;

export type SessionConsumeResult =
  | { ok: true; session: ConnectSession }
  | { ok: false; reason: 'unknown' | 'expired' | 'used' };

export interface ConnectionQuery {
  endUserId?: string | undefined;
  integrationId?: string | undefined;
  status?: ConnectionStatus | undefined;
  limit?: number;
  cursor?: Record<string, unknown> | undefined;
}

/**
 * Connect sessions, OAuth states and connections in the single table. States and sessions carry
 * a TTL; dynalite never expires items, so every read also checks the expiry itself.
 * Connections: gsi1 by end user, gsi2 (`connections`, `{integrationId}#{status}#{id}`) for the
 * integration/status listings, the refresher and the vault re-encryption.
 */
export class ConnectionStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putSession(s: ConnectSession): Promise<void> {
    await storeCall(() =>
      this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: sessionPk(s.id), sk: 'csess', kind: 'connect_session', ttl: ttlOf(s.expiresAt), ...s },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /** Marks the session used, once, if it has not expired. */
  async consumeSession(id: string, now: number): Promise<SessionConsumeResult> {
    try {
      const out = await storeCall(() =>
        this.ddb.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: sessionPk(id), sk: 'csess' },
            UpdateExpression: 'SET usedAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now',
            ExpressionAttributeValues: { ':at': new Date(now).toISOString(), ':now': now },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return { ok: true, session: out.Attributes as ConnectSession };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const got = await storeCall(() =>
        this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: sessionPk(id), sk: 'csess' } })),
      );
      const s = got.Item as ConnectSession | undefined;
      if (!s) return { ok: false, reason: 'unknown' };
      return { ok: false, reason: s.usedAt ? 'used' : 'expired' };
    }
  }

  async getSession(id: string): Promise<ConnectSession | undefined> {
    const got = await storeCall(() =>
      this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: sessionPk(id), sk: 'csess' } })),
    );
    return got.Item as ConnectSession | undefined;
  }

  async putState(s: OAuthState): Promise<void> {
    await storeCall(() =>
      this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: statePk(s.state), sk: 'ostate', kind: 'oauth_state', ttl: ttlOf(s.expiresAt), ...s },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /**
   * Consumes a state with a conditional delete that also requires the browser's binding hash:
   * of two concurrent callbacks only one gets it, and a wrong cookie never destroys it.
   * `binding`: the state exists (unexpired) but the hash differs; `unknown`: absent, used or expired.
   */
  async takeState(
    state: string,
    now: number,
    bindingHash: string,
  ): Promise<{ ok: true; state: OAuthState } | { ok: false; reason: 'unknown' | 'binding' }> {
    try {
      const out = await storeCall(() =>
        this.ddb.send(
          new DeleteCommand({
            TableName: this.table,
            Key: { pk: statePk(state), sk: 'ostate' },
            ConditionExpression: 'attribute_exists(pk) AND bindingHash = :h',
            ExpressionAttributeValues: { ':h': bindingHash },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      const s = out.Attributes as OAuthState | undefined;
      if (!s || s.expiresAt <= now) return { ok: false, reason: 'unknown' };
      return { ok: true, state: s };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const got = await storeCall(() =>
        this.ddb.send(
          new GetCommand({
            TableName: this.table,
            Key: { pk: statePk(state), sk: 'ostate' },
            ConsistentRead: true,
          }),
        ),
      );
      const s = got.Item as OAuthState | undefined;
      return { ok: false, reason: s && s.expiresAt > now ? 'binding' : 'unknown' };
    }
  }

  async get(id: string): Promise<ConnectionRecord | undefined> {
    const got = await storeCall(() =>
      this.ddb.send(
        new GetCommand({ TableName: this.table, Key: { pk: connPk(id), sk: CONN_SK }, ConsistentRead: true }),
      ),
    );
    return got.Item ? toConnection(got.Item) : undefined;
  }

  /** Writes a whole connection; `expectedVersion` undefined means "must not exist yet". */
  async save(c: ConnectionRecord, expectedVersion: number | undefined): Promise<boolean> {
    return conditionalWrite(() =>
      this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: itemOf(c),
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(expectedVersion === undefined ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      ),
    );
  }

  /** Takes the refresh lease unless another holder's lease is still running. */
  async acquireLease(id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return conditionalWrite(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: connPk(id), sk: CONN_SK },
          UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: { ':o': owner, ':u': now + leaseMs, ':now': now },
        }),
      ),
    );
  }

  /**
   * Updates fields of a connection the caller holds the lease on, at the version it read; the
   * lease is released in the same write. `bumpVersion` for any change to the sealed tokens.
   */
  async updateUnderLease(
    id: string,
    owner: string,
    expectedVersion: number,
    set: Partial<ConnectionRecord>,
    opts: {
      bumpVersion: boolean;
      remove?: (keyof ConnectionRecord)[];
      /**
       * Our lease ran out (someone else may hold one now): condition on the version alone and
       * leave the lease attributes alone. Used only to keep tokens a refresh already rotated.
       */
      leaseLost?: boolean;
    },
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
        values[':gsi2sk'] = gsi2sk({ ...current, status: set.status });
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
    return conditionalWrite(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: connPk(id), sk: CONN_SK },
          UpdateExpression: `${sets.length ? `SET ${sets.join(', ')} ` : ''}${removeExpr.length ? `REMOVE ${removeExpr.join(', ')}` : ''}`,
          ConditionExpression: opts.leaseLost ? 'version = :v' : 'version = :v AND leaseOwner = :owner',
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    try {
      await storeCall(() =>
        this.ddb.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: connPk(id), sk: CONN_SK },
            UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
            ConditionExpression: 'leaseOwner = :o',
            ExpressionAttributeValues: { ':o': owner },
          }),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** Replaces the sealed tokens at a version (vault re-encryption); the plaintext is unchanged. */
  async reseal(id: string, expectedVersion: number, tokens: string, kid: string): Promise<boolean> {
    return conditionalWrite(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: connPk(id), sk: CONN_SK },
          UpdateExpression: 'SET tokens = :t, kid = :k, version = version + :one',
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':t': tokens, ':k': kid, ':one': 1, ':v': expectedVersion },
        }),
      ),
    );
  }

  async delete(id: string): Promise<boolean> {
    const out = await storeCall(() =>
      this.ddb.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: connPk(id), sk: CONN_SK },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    return out.Attributes !== undefined;
  }

  async list(q: ConnectionQuery): Promise<{ items: ConnectionRecord[]; next?: Record<string, unknown> }> {
    const limit = q.limit ?? 100;
    let input: ConstructorParameters<typeof QueryCommand>[0];
    if (q.endUserId !== undefined) {
      const values: Record<string, unknown> = { ':p': `conn#user#${q.endUserId}` };
      const filters: string[] = [];
      let key = 'gsi1pk = :p';
      if (q.integrationId !== undefined) {
        key += ' AND begins_with(gsi1sk, :i)';
        values[':i'] = `${q.integrationId}#`;
      }
      if (q.status !== undefined) {
        filters.push('#status = :s');
        values[':s'] = q.status;
      }
      input = {
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: key,
        ...(filters.length
          ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: { '#status': 'status' } }
          : {}),
        ExpressionAttributeValues: values,
      };
    } else {
      const values: Record<string, unknown> = { ':p': ALL_CONNECTIONS };
      let key = 'gsi2pk = :p';
      let filter: string | undefined;
      if (q.integrationId !== undefined) {
        key += ' AND begins_with(gsi2sk, :prefix)';
        values[':prefix'] = q.status ? `${q.integrationId}#${q.status}#` : `${q.integrationId}#`;
      } else if (q.status !== undefined) {
        filter = '#status = :s';
        values[':s'] = q.status;
      }
      input = {
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: key,
        ...(filter ? { FilterExpression: filter, ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: values,
      };
    }
    const out = await storeCall(() =>
      this.ddb.send(new QueryCommand({ ...input, Limit: limit, ExclusiveStartKey: q.cursor })),
    );
    return {
      items: (out.Items ?? []).map(toConnection),
      ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
    };
  }
}

function itemOf(c: ConnectionRecord): Record<string, unknown> {
  return {
    pk: connPk(c.id),
    sk: CONN_SK,
    kind: 'connection',
    gsi1pk: `conn#user#${c.endUserId}`,
    gsi1sk: `${c.integrationId}#${c.id}`,
    gsi2pk: ALL_CONNECTIONS,
    gsi2sk: gsi2sk(c),
    ...c,
  };
}

function toConnection(item: Record<string, unknown>): ConnectionRecord {
  const { pk: _pk, sk: _sk, kind: _kind, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, ...rest } = item;
  return rest as unknown as ConnectionRecord;
}

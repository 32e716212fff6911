/**
 * Revocation jobs (connections/revoke.ts) in the single table. A pending job sits in gsi2 under
 * `revocations#due`, sorted by its next attempt; a finished one leaves the index and expires
 * (TTL) REVOCATION_KEEP_MS later. Every update is conditional on the attempt count it read.
 */
import { REVOCATION_KEEP_MS, type RevocationJob } from '../../connections/model.js';
import type { RevocationJobRepo } from '../../ports/index.js';
import { type Item, num, oneOf, optNum, optStr, str } from './codec.js';
import { REVOCATION } from './keys.js';
import { DynamoOAuthSessionRepo } from './sessions.js';

const key = (connectionId: string) => ({ pk: REVOCATION.pk(connectionId), sk: REVOCATION.sk });

export const revocationItem = (j: RevocationJob): Item => ({
  ...key(j.connectionId),
  kind: REVOCATION.kind,
  ...(j.status === 'pending' && j.nextAttemptAt !== undefined
    ? { gsi2pk: REVOCATION.duePk, gsi2sk: REVOCATION.dueSk(j.nextAttemptAt, j.connectionId) }
    : { ttl: Math.ceil((Date.parse(j.updatedAt) + REVOCATION_KEEP_MS) / 1000) }),
  ...j,
});

export const revocationFromItem = (it: Item): RevocationJob => ({
  connectionId: str(it.connectionId),
  integrationId: str(it.integrationId),
  provider: str(it.provider),
  endUserId: str(it.endUserId),
  tokens: str(it.tokens),
  status: oneOf(it.status, ['pending', 'revoked', 'failed']),
  attempts: num(it.attempts),
  nextAttemptAt: optNum(it.nextAttemptAt),
  lastError: optStr(it.lastError),
  createdAt: str(it.createdAt),
  updatedAt: str(it.updatedAt),
});

/** The connections repo's revocation-job half (DynamoConnectionRepo extends it). */
export class DynamoRevocationJobRepo extends DynamoOAuthSessionRepo implements RevocationJobRepo {
  async putRevocation(job: RevocationJob): Promise<void> {
    await this.putItem(revocationItem(job));
  }

  async getRevocation(connectionId: string): Promise<RevocationJob | undefined> {
    const item = await this.getItem(key(connectionId));
    return item ? revocationFromItem(item) : undefined;
  }

  async dueRevocations(now: number, limit: number): Promise<RevocationJob[]> {
    const page = await this.queryPage({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :p AND gsi2sk <= :due',
      ExpressionAttributeValues: { ':p': REVOCATION.duePk, ':due': REVOCATION.dueSk(now, '\uffff') },
      Limit: limit,
    });
    return page.items.map(revocationFromItem);
  }

  async updateRevocation(job: RevocationJob, expectedAttempts: number): Promise<boolean> {
    const out = await this.write({
      Put: {
        Item: revocationItem(job),
        ConditionExpression: 'attempts = :a',
        ExpressionAttributeValues: { ':a': expectedAttempts },
      },
    });
    return out.applied;
  }
}

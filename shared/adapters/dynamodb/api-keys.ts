/** Scoped API keys, stored only as hashes; listed through gsi1 by creation time. */
import type { ApiKeyRecord } from '../../auth/api-keys.js';
import type { Scope } from '../../auth/scopes.js';
import type { ApiKeyRepo } from '../../ports/index.js';
import { type Item, optStr, str, strs } from './codec.js';
import { itemAbsent } from './conditional.js';
import { API_KEY } from './keys.js';
import { DynamoRepo } from './repo.js';

const key = (id: string) => ({ pk: API_KEY.pk(id), sk: API_KEY.sk });

export const apiKeyItem = (rec: ApiKeyRecord): Item => ({
  ...key(rec.id),
  kind: API_KEY.kind,
  gsi1pk: API_KEY.allPk,
  gsi1sk: API_KEY.listSk(rec.createdAt, rec.id),
  ...rec,
});

export const apiKeyFromItem = (it: Item): ApiKeyRecord => ({
  id: str(it.id),
  name: str(it.name),
  // Checked against the scope list when the key was made.
  scopes: strs(it.scopes) as Scope[],
  hash: str(it.hash),
  createdAt: str(it.createdAt),
  revokedAt: optStr(it.revokedAt),
});

export class DynamoApiKeyRepo extends DynamoRepo implements ApiKeyRepo {
  private readonly recent = new Map<string, { rec: ApiKeyRecord; at: number }>();

  async put(rec: ApiKeyRecord): Promise<void> {
    await this.putItem(apiKeyItem(rec), { ConditionExpression: itemAbsent });
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const item = await this.getItem(key(id), false);
    return item ? apiKeyFromItem(item) : undefined;
  }

  /**
   * `get` for authentication, with a short in-function cache of live keys: every authenticated
   * request saves a store round trip. A key revoked by another function instance stops working
   * within `maxAgeMs` (10 s); in the same instance at once.
   */
  async getForAuth(id: string, now: number, maxAgeMs = 10_000): Promise<ApiKeyRecord | undefined> {
    const hit = this.recent.get(id);
    if (hit && now - hit.at < maxAgeMs) return hit.rec;
    const rec = await this.get(id);
    this.recent.delete(id);
    if (rec && !rec.revokedAt) {
      if (this.recent.size >= 1000) this.recent.delete(this.recent.keys().next().value as string);
      this.recent.set(id, { rec, at: now });
    }
    return rec;
  }

  async list(limit = 100): Promise<ApiKeyRecord[]> {
    const page = await this.queryPage({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': API_KEY.allPk },
      Limit: limit,
    });
    return page.items.map(apiKeyFromItem);
  }

  /** Marks a key revoked. Returns false if there is no such key. */
  async revoke(id: string, at: string): Promise<boolean> {
    this.recent.delete(id);
    return this.updateExisting(key(id), 'SET revokedAt = if_not_exists(revokedAt, :at)', { ':at': at });
  }
}

import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord } from '../../auth/api-keys.js';
import { conditionalWrite, storeCall } from './client.js';

const pk = (id: string) => `apikey#${id}`;

export class ApiKeyRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(rec: ApiKeyRecord): Promise<void> {
    await storeCall(() =>
      this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: pk(rec.id),
            sk: 'apikey',
            kind: 'apikey',
            gsi1pk: 'apikeys',
            gsi1sk: `${rec.createdAt}#${rec.id}`,
            ...rec,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const out = await storeCall(() =>
      this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: pk(id), sk: 'apikey' } })),
    );
    return out.Item ? toRecord(out.Item) : undefined;
  }

  private readonly recent = new Map<string, { rec: ApiKeyRecord; at: number }>();

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
    const out = await storeCall(() =>
      this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': 'apikeys' },
          Limit: limit,
        }),
      ),
    );
    return (out.Items ?? []).map(toRecord);
  }

  /** Marks a key revoked. Returns false if there is no such key. */
  async revoke(id: string, at: string): Promise<boolean> {
    this.recent.delete(id);
    return conditionalWrite(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: pk(id), sk: 'apikey' },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }
}

function toRecord(item: Record<string, unknown>): ApiKeyRecord {
  return {
    id: item.id as string,
    name: item.name as string,
    scopes: item.scopes as ApiKeyRecord['scopes'],
    hash: item.hash as string,
    createdAt: item.createdAt as string,
    revokedAt: item.revokedAt as string | undefined,
  };
}

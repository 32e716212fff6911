import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { IntegrationConfig, IntegrationRecord } from '../../integrations/schema.js';
import { storeCall } from './client.js';

const pk = (id: string) => `integration#${id}`;
const SK = 'integration';

/** Integrations: one item each, listed through gsi1 (`integrations`). */
export class IntegrationStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Creates or replaces; keeps the original createdAt. Returns the stored record and whether it was new. */
  async put(
    id: string,
    config: IntegrationConfig,
    now: string,
  ): Promise<{ record: IntegrationRecord; created: boolean }> {
    const out = await storeCall(() =>
      this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: pk(id),
            sk: SK,
            kind: 'integration',
            gsi1pk: 'integrations',
            gsi1sk: id,
            id,
            config,
            createdAt: now,
            updatedAt: now,
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    const previous = out.Attributes as { createdAt?: string } | undefined;
    if (previous?.createdAt) {
      // Keep the first creation time; a second write is cheap and rare (integrations change seldom).
      await storeCall(() =>
        this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: pk(id),
              sk: SK,
              kind: 'integration',
              gsi1pk: 'integrations',
              gsi1sk: id,
              id,
              config,
              createdAt: previous.createdAt,
              updatedAt: now,
            },
          }),
        ),
      );
    }
    return {
      record: { id, config, createdAt: previous?.createdAt ?? now, updatedAt: now },
      created: !previous,
    };
  }

  async get(id: string): Promise<IntegrationRecord | undefined> {
    const out = await storeCall(() =>
      this.ddb.send(new GetCommand({ TableName: this.table, Key: { pk: pk(id), sk: SK } })),
    );
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async list(
    limit = 100,
    cursor?: Record<string, unknown>,
  ): Promise<{ items: IntegrationRecord[]; next?: Record<string, unknown> }> {
    const out = await storeCall(() =>
      this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': 'integrations' },
          Limit: limit,
          ExclusiveStartKey: cursor,
        }),
      ),
    );
    return {
      items: (out.Items ?? []).map(toRecord),
      ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
    };
  }
}

function toRecord(item: Record<string, unknown>): IntegrationRecord {
  return {
    id: item.id as string,
    config: item.config as IntegrationConfig,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}

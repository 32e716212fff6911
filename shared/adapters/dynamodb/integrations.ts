import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
    // One write that keeps the first creation time and tells us whether the item was new.
    const out = await storeCall(() =>
      this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: pk(id), sk: SK },
          UpdateExpression:
            'SET kind = :kind, gsi1pk = :g1, gsi1sk = :id, id = :id, config = :config, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
          ExpressionAttributeValues: {
            ':kind': 'integration',
            ':g1': 'integrations',
            ':id': id,
            ':config': config,
            ':now': now,
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    const previous = out.Attributes as { createdAt?: string } | undefined;
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

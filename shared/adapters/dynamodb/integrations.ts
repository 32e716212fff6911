/** Integrations: one item each, listed through gsi1. */
import type { IntegrationConfig, IntegrationRecord } from '../../integrations/schema.js';
import type { IntegrationRepo, Page } from '../../ports/index.js';
import { type Item, optStr, str } from './codec.js';
import { INTEGRATION } from './keys.js';
import { DynamoRepo } from './repo.js';

const key = (id: string) => ({ pk: INTEGRATION.pk(id), sk: INTEGRATION.sk });

export const integrationFromItem = (it: Item): IntegrationRecord => ({
  id: str(it.id),
  // Validated by the API schema before it was stored.
  config: it.config as IntegrationConfig,
  createdAt: str(it.createdAt),
  updatedAt: str(it.updatedAt),
});

export class DynamoIntegrationRepo extends DynamoRepo implements IntegrationRepo {
  /** Creates or replaces; keeps the original createdAt. Returns the stored record and whether it was new. */
  async put(
    id: string,
    config: IntegrationConfig,
    now: string,
  ): Promise<{ record: IntegrationRecord; created: boolean }> {
    // One write that keeps the first creation time and tells us whether the item was new.
    const out = await this.write({
      Update: {
        Key: key(id),
        UpdateExpression:
          'SET kind = :kind, gsi1pk = :g1, gsi1sk = :id, id = :id, config = :config, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
        ExpressionAttributeValues: {
          ':kind': INTEGRATION.kind,
          ':g1': INTEGRATION.allPk,
          ':id': id,
          ':config': config,
          ':now': now,
        },
        ReturnValues: 'ALL_OLD',
      },
    });
    const previous = out.applied ? out.attributes : undefined;
    return {
      record: { id, config, createdAt: optStr(previous?.createdAt) ?? now, updatedAt: now },
      created: !previous,
    };
  }

  async get(id: string): Promise<IntegrationRecord | undefined> {
    const item = await this.getItem(key(id), false);
    return item ? integrationFromItem(item) : undefined;
  }

  async list(limit = 100, cursor?: string): Promise<Page<IntegrationRecord>> {
    const page = await this.listPage(INTEGRATION.allPk, limit, cursor);
    return { ...page, items: page.items.map(integrationFromItem) };
  }
}

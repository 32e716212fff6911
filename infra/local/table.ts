import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { indexInclude, keyAttributeNames, TABLE } from '../../shared/table.js';

/** CreateTable input built from the same definition the CDK stack uses. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributeNames().map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE.globalSecondaryIndexes.map((g) => {
      const include = indexInclude(g);
      return {
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' },
          { AttributeName: g.sortKey, KeyType: 'RANGE' },
        ],
        Projection: include
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...include] }
          : { ProjectionType: 'ALL' },
      };
    }),
    StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE.streamView },
  };
}

import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { indexInclude, TABLE } from '../../shared/table.js';

/**
 * The one table, with the shared key schema and a NEW_IMAGE stream for events-process. Built in
 * the caller's scope (not a child construct), so its logical ID stays `Table…`.
 */
export function addTable(scope: Construct, opts: { prod: boolean }): dynamodb.TableV2 {
  const S = dynamodb.AttributeType.STRING;
  return new dynamodb.TableV2(scope, 'Table', {
    partitionKey: { name: TABLE.partitionKey, type: S },
    sortKey: { name: TABLE.sortKey, type: S },
    billing: dynamodb.Billing.onDemand(),
    timeToLiveAttribute: TABLE.ttlAttribute,
    dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: opts.prod,
    removalPolicy: opts.prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    globalSecondaryIndexes: TABLE.globalSecondaryIndexes.map((g) => {
      const include = indexInclude(g);
      return {
        indexName: g.indexName,
        partitionKey: { name: g.partitionKey, type: S },
        sortKey: { name: g.sortKey, type: S },
        ...(include
          ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...include] }
          : {}),
      };
    }),
  });
}

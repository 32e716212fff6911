/**
 * What every DynamoDB repository shares: the client and table, and the four primitives it is
 * written in (get, put, conditional write, query). Each subclass owns one kind of record.
 */
import {
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { queryAll, storeCall } from './client.js';
import {
  type ConditionalWrite,
  conditionalWrite,
  type Item,
  itemExists,
  type WriteResult,
} from './conditional.js';

type Key = { pk: string; sk: string };
type Input<T> = Omit<T, 'TableName'>;
type Write =
  | { Put: Input<PutCommandInput> }
  | { Update: Input<UpdateCommandInput> }
  | { Delete: Input<DeleteCommandInput> };

export abstract class DynamoRepo {
  constructor(
    protected readonly ddb: DynamoDBDocumentClient,
    protected readonly table: string,
  ) {}

  protected async getItem(key: Key, consistent = true, attributes?: string[]): Promise<Item | undefined> {
    const out = await storeCall(() =>
      this.ddb.send(
        new GetCommand({
          TableName: this.table,
          Key: key,
          ...(consistent ? { ConsistentRead: true } : {}),
          ...(attributes
            ? {
                ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
              }
            : {}),
        }),
      ),
    );
    return out.Item;
  }

  /** An unconditional put, or one whose failed condition is an error for the caller (storeCall passes it on). */
  protected async putItem(item: Item, rest: Input<Omit<PutCommandInput, 'Item'>> = {}): Promise<void> {
    await storeCall(() => this.ddb.send(new PutCommand({ TableName: this.table, Item: item, ...rest })));
  }

  /** A conditional write; see conditional.ts. */
  protected write(w: Write, opts?: { old?: boolean }): Promise<WriteResult> {
    const TableName = this.table;
    const full: ConditionalWrite =
      'Put' in w
        ? { Put: { ...w.Put, TableName } }
        : 'Update' in w
          ? { Update: { ...w.Update, TableName } }
          : { Delete: { ...w.Delete, TableName } };
    return conditionalWrite(this.ddb, full, opts);
  }

  /** Updates an item only if it still exists (one deleted meanwhile stays deleted); true if it did. */
  protected async updateExisting(
    key: Key,
    UpdateExpression: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    const out = await this.write({
      Update: {
        Key: key,
        UpdateExpression,
        ConditionExpression: itemExists,
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
      },
    });
    return out.applied;
  }

  /** Deletes an item; true if there was one. */
  protected async deleteItem(key: Key): Promise<boolean> {
    const out = await this.write({ Delete: { Key: key, ReturnValues: 'ALL_OLD' } });
    return out.applied && out.attributes !== undefined;
  }

  /** One page of a query. */
  protected async queryPage(
    input: Input<QueryCommandInput>,
  ): Promise<{ items: Item[]; next?: Item | undefined }> {
    const out = await storeCall(() => this.ddb.send(new QueryCommand({ TableName: this.table, ...input })));
    return { items: out.Items ?? [], next: out.LastEvaluatedKey };
  }

  /** Every item of a query, all pages. */
  protected queryAll(input: Input<QueryCommandInput>): Promise<Item[]> {
    return queryAll(this.ddb, { TableName: this.table, ...input });
  }
}

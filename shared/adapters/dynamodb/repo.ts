/**
 * What every DynamoDB repository shares: the client and table, and the four primitives it is
 * written in (get, put, conditional write, query). Each subclass owns one kind of record.
 */
import {
  BatchGetCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { HookbridgeError } from '../../errors.js';
import { queryAll, storeCall } from './client.js';
import {
  type ConditionalWrite,
  conditionalWrite,
  type Item,
  itemExists,
  type WriteResult,
} from './conditional.js';
import { decodeCursor, encodeCursor } from './cursor.js';

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

  /**
   * Up to 100 items by key in one BatchGetItem (consistent, these attributes only); keys DynamoDB
   * leaves unprocessed are asked for again, a bounded number of times.
   */
  protected async batchGet(keys: Key[], attributes: string[]): Promise<Item[]> {
    const found: Item[] = [];
    let pending: Key[] = keys.slice(0, 100);
    for (let i = 0; i < 5 && pending.length; i++) {
      const out = await storeCall(() =>
        this.ddb.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: attributes.map((_, n) => `#a${n}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(attributes.map((a, n) => [`#a${n}`, a])),
              },
            },
          }),
        ),
      );
      found.push(...(out.Responses?.[this.table] ?? []));
      pending = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Key[];
    }
    if (pending.length)
      throw new HookbridgeError('store_unavailable', 'The data store did not read every key; retry later');
    return found;
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

  /**
   * One page of a gsi1 partition, in sort-key order (or newest first). The cursor is the last
   * item's keys, absent on the last page; one for another partition is 400 invalid_cursor.
   */
  protected async listPage(
    partition: string,
    limit: number,
    cursor: string | undefined,
    newestFirst = false,
  ): Promise<{ items: Item[]; cursor?: string }> {
    const keys = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];
    // One extra item tells a full last page from one with more after it.
    const page = await this.queryPage({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': partition },
      Limit: limit + 1,
      ScanIndexForward: !newestFirst,
      ExclusiveStartKey: decodeCursor(cursor, keys, { gsi1pk: partition }),
    });
    const items = page.items.slice(0, limit);
    const last = items.at(-1);
    if (page.items.length > limit && last)
      return { items, cursor: encodeCursor(Object.fromEntries(keys.map((k) => [k, last[k]]))) };
    // A read stopped by the 1 MB limit: more may follow.
    return { items, ...(page.next ? { cursor: encodeCursor(page.next) } : {}) };
  }

  /** Every item of a query, all pages. */
  protected queryAll(input: Input<QueryCommandInput>): Promise<Item[]> {
    return queryAll(this.ddb, { TableName: this.table, ...input });
  }
}

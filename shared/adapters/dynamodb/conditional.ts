/**
 * The one conditional write. A failed condition is a result, not an exception; with `old`, it
 * carries the item that failed it (ReturnValuesOnConditionCheckFailure: ALL_OLD), so the caller
 * learns why without a second read. Conditions are built from the named parts below.
 */
import { type AttributeValue, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  type PutCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, type marshallOptions, unmarshall } from '@aws-sdk/util-dynamodb';
import { TABLE } from '../../table.js';
import { isConditionalCheckFailed, storeCall } from './client.js';

export type Item = Record<string, unknown>;

/** One write, shaped as in TransactWriteItems. */
export type ConditionalWrite =
  | { Put: PutCommandInput }
  | { Update: UpdateCommandInput }
  | { Delete: DeleteCommandInput };

export type WriteResult =
  | { applied: true; attributes: Item | undefined }
  | { applied: false; old: Item | undefined };

export async function conditionalWrite(
  ddb: DynamoDBDocumentClient,
  write: ConditionalWrite,
  opts: { old?: boolean } = {},
): Promise<WriteResult> {
  const onFailure = opts.old ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {};
  try {
    const out = await storeCall(() =>
      'Put' in write
        ? putItem(ddb, { ...write.Put, ...onFailure })
        : 'Update' in write
          ? ddb.send(new UpdateCommand({ ...write.Update, ...onFailure }))
          : ddb.send(new DeleteCommand({ ...write.Delete, ...onFailure })),
    );
    return { applied: true, attributes: out.Attributes };
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    if (!opts.old) return { applied: false, old: undefined };
    // The document client does not unmarshall errors: the item comes back as DynamoDB JSON.
    const returned = (err as { Item?: Record<string, AttributeValue> }).Item;
    if (returned) return { applied: false, old: unmarshall(returned) };
    // No item: on DynamoDB the key was absent; dynalite (local runtime, tests) never returns
    // one, so read it. The only second read after a failed condition, and a no-op on AWS.
    return { applied: false, old: await readKey(ddb, write) };
  }
}

/**
 * A Put as the low-level PutItem, its values marshalled here as the document client's PutCommand
 * marshals them (each top-level value on its own, with the client's options; undefined and
 * functions skipped), so the stored item is the same: the webhook hot path's one write skips the
 * document client's second middleware stack and its generic walk of the whole input.
 */
async function putItem(ddb: DynamoDBDocumentClient, input: PutCommandInput): Promise<{ Attributes?: Item }> {
  const { marshallOptions, unmarshallOptions } = ddb.config.translateConfig ?? {};
  const options = {
    ...marshallOptions,
    convertTopLevelContainer: marshallOptions?.convertTopLevelContainer ?? true,
  };
  const { Item, ExpressionAttributeValues: values, ...rest } = input;
  const out = await (ddb as unknown as DynamoDBClient).send(
    new PutItemCommand({
      ...rest,
      Item: marshallValues(Item ?? {}, options),
      ...(values ? { ExpressionAttributeValues: marshallValues(values, options) } : {}),
    }),
  );
  // The whole map at once is each value on its own, as the document client unmarshalls them.
  const native = { ...unmarshallOptions, convertWithoutMapWrapper: false };
  return { Attributes: out.Attributes && unmarshall(out.Attributes, native) };
}

function marshallValues(values: Item, options: marshallOptions): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const k of Object.keys(values)) {
    const v = values[k];
    if (v !== undefined && typeof v !== 'function') out[k] = toAttr(v, options);
  }
  return out;
}

/**
 * util-dynamodb's convertToAttr, with a direct path for what items are mostly made of (strings,
 * safe numbers, booleans, null, Buffers, plain objects of those), giving what it gives: it tests
 * each value against every type by constructor name and allocates lists to do so. Anything else,
 * and any case an option changes (empty values, imprecise numbers), goes to it as is.
 */
function toAttr(v: unknown, options: marshallOptions): AttributeValue {
  switch (typeof v) {
    case 'string':
      if (v !== '' || !options.convertEmptyValues) return { S: v };
      break;
    case 'number':
      if (Number.isFinite(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return { N: v.toString() };
      break;
    case 'boolean':
      return { BOOL: v };
    case 'object':
      if (v === null) return { NULL: true };
      if (v.constructor === Buffer && ((v as Buffer).length || !options.convertEmptyValues))
        return { B: v as Buffer };
      if (v.constructor === Object) return { M: mapAttr(v as Item, options) };
  }
  return marshall(v, options) as AttributeValue;
}

/** A plain object's members as convertToAttr maps them: functions skipped, undefined with removeUndefinedValues. */
function mapAttr(obj: Item, options: marshallOptions): Record<string, AttributeValue> {
  const m: Record<string, AttributeValue> = {};
  for (const k in obj) {
    const v = obj[k];
    if (typeof v === 'function' || (v === undefined && options.removeUndefinedValues)) continue;
    m[k] = toAttr(v, options);
  }
  return m;
}

async function readKey(ddb: DynamoDBDocumentClient, write: ConditionalWrite): Promise<Item | undefined> {
  const input = 'Put' in write ? write.Put : 'Update' in write ? write.Update : write.Delete;
  const source: Item = 'Item' in input && input.Item ? input.Item : (input as { Key: Item }).Key;
  const Key = { [TABLE.partitionKey]: source[TABLE.partitionKey], [TABLE.sortKey]: source[TABLE.sortKey] };
  const out = await storeCall(() =>
    ddb.send(new GetCommand({ TableName: input.TableName, Key, ConsistentRead: true })),
  );
  return out.Item;
}

/** Named condition parts. */
export const itemAbsent = 'attribute_not_exists(pk)';
export const itemExists = 'attribute_exists(pk)';
/** An item whose ttl has passed counts as absent (dynalite never expires items; DynamoDB may lag). */
export const ttlPassed = '#ttl < :now';
export const TTL_NAME = { '#ttl': TABLE.ttlAttribute } as const;

/** Put condition: no item yet, or (given the time) one whose ttl has passed but is not yet removed. */
export function absentOrExpired(nowSec: number | undefined) {
  if (nowSec === undefined) return { ConditionExpression: itemAbsent };
  return {
    ConditionExpression: `${itemAbsent} OR ${ttlPassed}`,
    ExpressionAttributeNames: TTL_NAME,
    ExpressionAttributeValues: { ':now': nowSec },
  };
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { HookbridgeError } from '../../errors.js';
import type { CallGuard } from '../../ports/index.js';

export interface DynamoOptions {
  region: string;
  endpoint?: string | undefined;
  /** Sees each call's IAM action first (the local runtime's grant check). */
  guard?: CallGuard | undefined;
}

/** `PutItemCommand` / lib-dynamodb `PutCommand` -> `PutItem`. */
const LIB_TO_ACTION: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};
export function actionOf(commandName: string): string {
  const base = commandName.replace(/Command$/, '');
  return LIB_TO_ACTION[base] ?? base;
}

export function createDocumentClient(opts: DynamoOptions): DynamoDBDocumentClient {
  const local = opts.endpoint !== undefined;
  const client = new DynamoDBClient({
    region: opts.region,
    ...(local
      ? {
          endpoint: opts.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 2,
        }
      : { maxAttempts: 3 }),
  });
  const guard = opts.guard;
  if (guard) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        guard.dynamodb(actionOf(String(context.commandName ?? '')));
        return next(args);
      },
      { step: 'initialize', name: 'hookbridgeCallGuard' },
    );
  }
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export const isConditionalCheckFailed = (err: unknown): boolean =>
  (err as { name?: string })?.name === 'ConditionalCheckFailedException' ||
  (err as { name?: string })?.name === 'TransactionCanceledException';

/** Every item of a query, following LastEvaluatedKey through all pages. */
export async function queryAll(
  ddb: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await storeCall(() => ddb.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Runs a store call; any failure that is not ours becomes `store_unavailable` (503), so senders retry. */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HookbridgeError || isConditionalCheckFailed(err)) throw err;
    // A request DynamoDB refuses as invalid will fail the same way again: a bug, not an outage.
    if ((err as { name?: string })?.name === 'ValidationException') {
      throw new HookbridgeError('internal', 'The data store refused the request', { cause: err });
    }
    throw new HookbridgeError('store_unavailable', 'The data store did not answer; retry later', {
      cause: err,
    });
  }
}

/**
 * The conditional-write primitive: a failed condition returns the item that failed it. DynamoDB
 * sends it with the error (ALL_OLD), so there is no second read; dynalite does not, so the
 * primitive reads it then. Both paths are pinned here, with the number of calls each makes.
 */
import type { AddressInfo } from 'node:net';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, type UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTable } from '../../infra/local/table.js';
import { conditionalWrite } from '../../shared/adapters/dynamodb/conditional.js';

const TABLE = 'conditional-test';
const server = dynalite({ createTableMs: 0 });
let raw: DynamoDBClient;
let ddb: DynamoDBDocumentClient;
const sent: string[] = [];

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  raw = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  raw.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
  await createTable(raw, TABLE);
  ddb = DynamoDBDocumentClient.from(raw);
});

// Each test starts from the same item (one of them updates it).
beforeEach(async () => {
  await ddb.send(new PutCommand({ TableName: TABLE, Item: { pk: 'a', sk: 'b', v: 1 } }));
});

afterAll(async () => {
  raw.destroy();
  await new Promise((r) => server.close(r));
});

const put = (pk: string) => ({
  Put: { TableName: TABLE, Item: { pk, sk: 'b', v: 2 }, ConditionExpression: 'attribute_not_exists(pk)' },
});

describe('conditionalWrite on dynalite', () => {
  it('dynalite sends no item with the failed condition', async () => {
    const err = await ddb
      .send(new PutCommand({ ...put('a').Put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionalCheckFailedException);
    expect((err as ConditionalCheckFailedException).Item).toBeUndefined();
  });

  it('so with `old` the primitive reads the item, once', async () => {
    sent.length = 0;
    expect(await conditionalWrite(ddb, put('a'), { old: true })).toEqual({
      applied: false,
      old: { pk: 'a', sk: 'b', v: 1 },
    });
    expect(sent).toEqual(['PutItemCommand', 'GetItemCommand']);
  });

  it('without `old` a failed condition is a plain result, no read', async () => {
    sent.length = 0;
    expect(await conditionalWrite(ddb, put('a'))).toEqual({ applied: false, old: undefined });
    expect(sent).toEqual(['PutItemCommand']);
  });

  it('an applied write returns its attributes', async () => {
    const out = await conditionalWrite(ddb, {
      Update: {
        TableName: TABLE,
        Key: { pk: 'a', sk: 'b' },
        UpdateExpression: 'SET v = :v',
        ConditionExpression: 'v = :one',
        ExpressionAttributeValues: { ':v': 3, ':one': 1 },
        ReturnValues: 'ALL_NEW',
      },
    });
    expect(out).toEqual({ applied: true, attributes: { pk: 'a', sk: 'b', v: 3 } });
  });
});

describe('conditionalWrite Put (sent as the low-level PutItem)', () => {
  // Every kind of value, undefined ones at the top and nested included, as the adapters write them.
  const item = {
    sk: 'b',
    s: 'text',
    empty: '',
    n: 12.5,
    zero: 0,
    negative: -7,
    big: 2 ** 40,
    yes: true,
    no: false,
    fn: () => 1,
    nothing: null,
    absent: undefined,
    body: Buffer.from('gz'),
    tags: new Set(['x', 'y']),
    list: [1, 'two', { three: 3, gone: undefined }],
    map: { a: { b: 'c' }, gone: undefined, n: 3, bin: Buffer.from([1, 2]), nil: null, fn: () => 2 },
    bare: Object.assign(Object.create(null) as object, { k: 'v' }),
  };
  const rawItem = async (pk: string) =>
    (await raw.send(new GetItemCommand({ TableName: TABLE, Key: marshall({ pk, sk: 'b' }) }))).Item;

  it("stores exactly what the document client's PutCommand stores, with its options", async () => {
    const doc = DynamoDBDocumentClient.from(raw, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    // A command first, as in a running function: the document client then edits its options.
    await doc.send(new PutCommand({ TableName: TABLE, Item: { ...item, pk: 'via-command' } }));
    const out = await conditionalWrite(doc, {
      Put: {
        TableName: TABLE,
        Item: { ...item, pk: 'via-primitive' },
        ConditionExpression: 'attribute_not_exists(pk) OR n < :n',
        ExpressionAttributeValues: { ':n': 1 },
      },
    });
    expect(out).toEqual({ applied: true, attributes: undefined });
    const { pk: _a, ...viaCommand } = (await rawItem('via-command'))!;
    const { pk: _b, ...viaPrimitive } = (await rawItem('via-primitive'))!;
    expect(viaPrimitive).toEqual(viaCommand);
    expect(Object.keys(viaPrimitive)).not.toContain('absent');
  });

  it('an applied Put with ALL_OLD returns the replaced item as the document client would', async () => {
    const out = await conditionalWrite(ddb, {
      Put: { TableName: TABLE, Item: { pk: 'a', sk: 'b', v: 9 }, ReturnValues: 'ALL_OLD' },
    });
    expect(out).toEqual({ applied: true, attributes: { pk: 'a', sk: 'b', v: 1 } });
  });
});

describe('conditionalWrite where DynamoDB returns the old item (ALL_OLD)', () => {
  it('uses the item from the error: no second read', async () => {
    const calls: unknown[] = [];
    const client = {
      send: async (cmd: unknown) => {
        calls.push(cmd);
        expect((cmd as UpdateCommand).input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: marshall({ pk: 'x', sk: 'y', usedAt: '2026-01-01T00:00:00.000Z' }),
        });
      },
    } as unknown as DynamoDBDocumentClient;
    const out = await conditionalWrite(
      client,
      { Update: { TableName: TABLE, Key: { pk: 'x', sk: 'y' }, UpdateExpression: 'SET a = :a' } },
      { old: true },
    );
    expect(out).toEqual({ applied: false, old: { pk: 'x', sk: 'y', usedAt: '2026-01-01T00:00:00.000Z' } });
    expect(calls).toHaveLength(1);
    expect(calls.some((c) => c instanceof GetCommand)).toBe(false);
  });
});

/**
 * dynalite answers CreateTable while the table is still CREATING; a write before it turns ACTIVE
 * is refused with ResourceNotFoundException, as on DynamoDB. `createTable` waits for ACTIVE, so
 * the tests and the local runtime that use it never race their own table.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTable, createTableInput } from '../../infra/local/table.js';

const server = dynalite({ createTableMs: 150 });
let client: DynamoDBClient;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise((r) => server.close(r));
});

const put = (TableName: string) =>
  client.send(new PutItemCommand({ TableName, Item: { pk: { S: 'a' }, sk: { S: 'b' } } }));

it('a write straight after CreateTable is refused while the table is CREATING', async () => {
  await client.send(new CreateTableCommand(createTableInput('raced')));
  await expect(put('raced')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});

it('createTable returns once the table is ACTIVE, so the first write succeeds', async () => {
  await createTable(client, 'waited');
  await expect(put('waited')).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
});

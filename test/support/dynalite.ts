/** One dynalite on loopback for a test file, with the adapters' document client on it. */
import type { AddressInfo } from 'node:net';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';

/** Started before the file's tests and stopped after them; `ddb` is read inside tests and hooks. */
export function fileDynalite(): { readonly ddb: DynamoDBDocumentClient } {
  const server = dynalite({ createTableMs: 0 });
  let client: DynamoDBDocumentClient | undefined;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = createDocumentClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await new Promise((r) => server.close(r));
  });
  return {
    get ddb() {
      if (!client) throw new Error('dynalite is not started yet: read ddb inside a test or hook');
      return client;
    },
  };
}

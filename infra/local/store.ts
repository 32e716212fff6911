/**
 * The local runtime's embedded DynamoDB: dynalite on loopback, in memory unless a data dir is
 * given, with the table CDK creates. A data dir is repaired on start (./recovery.ts).
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLE } from '../../shared/table.js';
import { type Recovered, recoverTable } from './recovery.js';
import { createTable } from './table.js';

export interface LocalStore {
  server: Server;
  endpoint: string;
  /** What start-up found in the data dir (undefined in memory). */
  recovered: Recovered | undefined;
  /** Stops dynalite only (to exercise store failures); idempotent. */
  stop(): Promise<void>;
}

export async function startStore(dataDir: string | undefined, table: string): Promise<LocalStore> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let up = true;
  const stop = async () => {
    if (!up) return;
    up = false;
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
  };
  try {
    await ensureTable(endpoint, table);
    const recovered = dataDir ? await recoverTable(endpoint, table, Date.now()) : undefined;
    return { server, endpoint, recovered, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function ensureTable(endpoint: string, table: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: table }));
      return;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    }
    await createTable(client, table);
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: table,
          TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
        }),
      );
    } catch {
      // dynalite does not implement TTL; reads treat an expired `ttl` as absent, so behaviour matches.
    }
  } finally {
    client.destroy();
  }
}

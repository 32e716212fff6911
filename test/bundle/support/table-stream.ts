/**
 * The table's NEW_IMAGE stream, from what was written: each `take()` scans the table and turns
 * every item new or changed since the last take into a DynamoDBStreamEvent record (INSERT or
 * MODIFY, DynamoDB JSON, increasing sequence numbers), then keeps only the records that pass the
 * template's filter patterns, as Lambda's event source mapping does.
 */
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { matchesPattern } from '../../../infra/stream.js';
import { TABLE } from '../../../shared/table.js';
import { ACCOUNT, REGION } from './lambda.js';

type Item = Record<string, AttributeValue>;
// biome-ignore lint/suspicious/noExplicitAny: filter patterns are JSON from the template
type Pattern = any;

/** DynamoDB JSON as the stream delivers it: binary values base64-encoded. */
function streamJson(v: AttributeValue): unknown {
  if (v.B) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.M) return { M: streamImage(v.M) };
  if (v.L) return { L: v.L.map(streamJson) };
  return v;
}
const streamImage = (item: Item) =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, streamJson(v)]));

const keyOf = (item: Item) => `${item[TABLE.partitionKey]?.S}\u0000${item[TABLE.sortKey]?.S}`;

export class TableStream {
  private readonly client: DynamoDBClient;
  private seen = new Map<string, string>();
  private sequence = 0;

  constructor(
    endpoint: string,
    private readonly table: string,
    private readonly patterns: readonly Pattern[],
  ) {
    this.client = new DynamoDBClient({
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }

  /** Every item in the table, in DynamoDB JSON. */
  async scan(): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    for (let page = 0; page < 100; page++) {
      const out = await this.client.send(
        new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
      if (!start) return items;
    }
    throw new Error('scan: more than 100 pages');
  }

  /** The filtered records written since the last take (or since the start). */
  async take(): Promise<DynamoDBRecord[]> {
    const records: DynamoDBRecord[] = [];
    const now = new Map<string, string>();
    for (const item of await this.scan()) {
      const key = keyOf(item);
      const image = JSON.stringify(item);
      now.set(key, image);
      const before = this.seen.get(key);
      if (before === image) continue;
      records.push(this.record(item, before === undefined ? 'INSERT' : 'MODIFY', image.length));
    }
    this.seen = now;
    return records.filter((r) => this.patterns.some((p) => matchesPattern(r, p)));
  }

  private record(item: Item, eventName: 'INSERT' | 'MODIFY', size: number): DynamoDBRecord {
    this.sequence += 1;
    return {
      eventID: `${this.sequence}`.padStart(32, '0'),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${this.table}/stream/2026-01-01T00:00:00.000`,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: {
          [TABLE.partitionKey]: item[TABLE.partitionKey],
          [TABLE.sortKey]: item[TABLE.sortKey],
        } as never,
        NewImage: streamImage(item) as never,
        SequenceNumber: String(this.sequence * 100).padStart(21, '0'),
        SizeBytes: size,
        StreamViewType: 'NEW_IMAGE',
      },
    };
  }

  close(): void {
    this.client.destroy();
  }
}

/**
 * The DynamoDB stream, emulated: dynalite has none, so the local runtime observes successful put
 * writes on dynalite's HTTP listener (PutItem, BatchWriteItem puts, TransactWriteItems puts),
 * builds the same DynamoDBStreamEvent records (NEW_IMAGE in DynamoDB JSON, INSERT or MODIFY from a
 * read before the write, increasing SequenceNumber), applies the same filter (infra/stream.ts) and
 * invokes `events-process` in order, in batches, with the same retry, bisect-on-error and
 * on-failure dead-letter behaviour. Only items that pass the filter's `kind` are pre-read.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Logger } from '../../shared/log.js';
import { TABLE } from '../../shared/table.js';
import { passesStreamFilter, STREAM_FILTER_PATTERN, STREAM_SETTINGS } from '../stream.js';

export type AttrMap = Record<string, Record<string, unknown>>;
type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The puts a write request makes, by operation. */
function putsOf(op: string, body: Record<string, unknown>): { table: string; item: AttrMap }[] {
  if (op === 'PutItem') return [{ table: String(body.TableName), item: body.Item as AttrMap }];
  const puts: { table: string; item: AttrMap }[] = [];
  if (op === 'BatchWriteItem') {
    for (const [table, reqs] of Object.entries((body.RequestItems ?? {}) as Record<string, unknown[]>))
      for (const r of reqs) {
        const item = (r as { PutRequest?: { Item: AttrMap } }).PutRequest?.Item;
        if (item) puts.push({ table, item });
      }
  } else {
    for (const t of (body.TransactItems ?? []) as { Put?: { TableName: string; Item: AttrMap } }[])
      if (t.Put) puts.push({ table: t.Put.TableName, item: t.Put.Item });
  }
  return puts;
}

export class LocalStream {
  /** Records that exhausted their retries (the on-failure destination). */
  readonly deadLetters: DynamoDBRecord[] = [];
  private readonly reader: DynamoDBClient;
  private readonly pending: DynamoDBRecord[] = [];
  private sequence = 0n;
  private pumping = false;
  private active = 0;
  private closed = false;

  constructor(
    ddbServer: Server,
    endpoint: string,
    private readonly now: () => number,
    private readonly log: () => Logger,
    private readonly consume: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
    /** Sees every item a successful write put (npm start's activity lines). */
    private readonly onPut?: (item: AttrMap) => void,
  ) {
    this.reader = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    this.tap(ddbServer);
  }

  get busy(): boolean {
    return this.pending.length > 0 || this.pumping || this.active > 0;
  }

  /** A batch is being handed to the function right now. */
  get running(): boolean {
    return this.pumping || this.active > 0;
  }

  /** Takes no new batch; close() once running batches are done. */
  stop(): void {
    this.closed = true;
  }

  close(): void {
    this.closed = true;
    this.reader.destroy();
  }

  /** Sees every write request before dynalite does; enqueues its records once dynalite answered 200. */
  private tap(ddbServer: Server): void {
    const originals = ddbServer.listeners('request') as Listener[];
    ddbServer.removeAllListeners('request');
    ddbServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      if (op !== 'PutItem' && op !== 'BatchWriteItem' && op !== 'TransactWriteItems') {
        for (const l of originals) l(req, res);
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        void this.observeWrite(op, raw)
          .catch(() => [])
          .then((records) => {
            const replay = Object.assign(Readable.from([raw]), {
              headers: req.headers,
              method: req.method,
              url: req.url,
            }) as unknown as IncomingMessage;
            res.once('finish', () => {
              if (res.statusCode !== 200) return;
              if (records.length) this.enqueue(records);
              if (this.onPut)
                for (const p of putsOf(op, JSON.parse(raw.toString('utf8')))) this.onPut(p.item);
            });
            for (const l of originals) l(replay, res);
          });
      });
    });
  }

  /** Builds the stream records a successful write would produce; filtered before the (costly) pre-read. */
  private async observeWrite(op: string, raw: Buffer): Promise<DynamoDBRecord[]> {
    const out: DynamoDBRecord[] = [];
    for (const { table, item } of putsOf(op, JSON.parse(raw.toString('utf8')) as Record<string, unknown>)) {
      const kind = (item[TABLE.kindAttribute] as { S?: string } | undefined)?.S;
      if (!STREAM_FILTER_PATTERN.dynamodb.NewImage.kind.S.some((k) => k === kind)) continue;
      const key = {
        [TABLE.partitionKey]: item[TABLE.partitionKey],
        [TABLE.sortKey]: item[TABLE.sortKey],
      } as AttrMap;
      const before = await this.reader.send(
        new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }),
      );
      this.sequence += 1n;
      out.push({
        eventID: randomUUID().replace(/-/g, ''),
        eventName: before.Item ? 'MODIFY' : 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/local`,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(this.now() / 1000),
          Keys: key as never,
          NewImage: item as never,
          SequenceNumber: String(this.sequence).padStart(21, '0'),
          SizeBytes: raw.length,
          StreamViewType: TABLE.streamView,
        },
      });
    }
    return out;
  }

  private enqueue(records: DynamoDBRecord[]): void {
    for (const r of records) if (passesStreamFilter(r)) this.pending.push(r);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.pending.length && !this.closed) {
        const batch = this.pending.splice(0, STREAM_SETTINGS.batchSize);
        this.active++;
        try {
          await this.runBatch(batch, 0);
        } finally {
          this.active--;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async runBatch(batch: DynamoDBRecord[], attempt: number): Promise<void> {
    if (!batch.length || this.closed) return;
    let failedFrom: number;
    try {
      const res = await this.consume({ Records: batch } as DynamoDBStreamEvent);
      const failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      if (!failed.size) return;
      const idx = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      failedFrom = Math.max(idx, 0);
    } catch {
      if (STREAM_SETTINGS.bisectBatchOnError && batch.length > 1) {
        const mid = Math.ceil(batch.length / 2);
        await this.runBatch(batch.slice(0, mid), attempt);
        await this.runBatch(batch.slice(mid), attempt);
        return;
      }
      failedFrom = 0;
    }
    const rest = batch.slice(failedFrom);
    if (attempt >= STREAM_SETTINGS.retryAttempts) {
      this.deadLetters.push(...rest);
      this.log().error('stream records sent to the on-failure destination', { count: rest.length });
      return;
    }
    await sleep(5 * 2 ** attempt);
    await this.runBatch(rest, attempt + 1);
  }
}

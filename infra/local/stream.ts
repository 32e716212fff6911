/**
 * The DynamoDB stream, emulated: dynalite has none, so the local runtime observes successful put
 * writes on dynalite's HTTP listener (PutItem, BatchWriteItem puts, TransactWriteItems puts),
 * builds the same DynamoDBStreamEvent records (NEW_IMAGE in DynamoDB JSON, INSERT or MODIFY from a
 * read before the write, increasing SequenceNumber), applies the same filter (infra/stream.ts) and
 * invokes `events-process` in order, in batches, with the same retry, bisect-on-error and
 * on-failure dead-letter behaviour. Only items that pass the filter's `kind` are pre-read.
 *
 * With a data dir the table itself is the stream's log: a checkpoint file lists the events whose
 * batch succeeded, and recover() replays every stored event not in it (stored but unprocessed when
 * the previous process died, or dead-lettered). Sequence numbers grow across restarts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ATTEMPT } from '../../shared/adapters/dynamodb/keys.js';
import type { Logger } from '../../shared/log.js';
import { TABLE } from '../../shared/table.js';
import { passesStreamFilter, STREAM_FILTER_PATTERN, STREAM_SETTINGS } from '../stream.js';
import { Journal } from './journal.js';

export type AttrMap = Record<string, Record<string, unknown>>;
type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const keyOf = (item: AttrMap): AttrMap => ({
  [TABLE.partitionKey]: item[TABLE.partitionKey]!,
  [TABLE.sortKey]: item[TABLE.sortKey]!,
});
/** A stored event in the checkpoint: its key and arrival (an event re-sent after retention is a new one). */
const storedAs = (item: AttrMap | undefined): string =>
  `${item?.[TABLE.partitionKey]?.S} ${item?.receivedAt?.S}`;

/**
 * The puts a write request makes, by operation. A delivery's settling UpdateItem counts as the
 * put of the attempt it logs (`:attempt`, deliveries.ts), so activity lines see every attempt.
 */
function putsOf(op: string, body: Record<string, unknown>): { table: string; item: AttrMap }[] {
  if (op === 'PutItem') return [{ table: String(body.TableName), item: body.Item as AttrMap }];
  if (op === 'UpdateItem') {
    const values = (body.ExpressionAttributeValues ?? {}) as AttrMap;
    const logged = (values[':attempt']?.L ?? []) as { M: AttrMap }[];
    return logged.map((e) => ({
      table: String(body.TableName),
      item: { ...e.M, [TABLE.kindAttribute]: { S: ATTEMPT.kind } },
    }));
  }
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
  /** Starts from the clock, so a restarted stream's sequence numbers follow the old ones. */
  private sequence = BigInt(Date.now()) * 1_000_000n;
  private checkpoint: Journal | undefined;
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
    this.checkpoint?.close();
  }

  /**
   * Replays the stored `events` (NEW_IMAGE items of `table`) that no batch finished, oldest first,
   * and keeps the checkpoint at `path` from now on. A data dir without a checkpoint predates it:
   * its events were handled by then. Returns how many were replayed.
   */
  recover(path: string, table: string, events: AttrMap[]): number {
    const stored = events.map(storedAs);
    const done = new Set(Journal.read<string>(path) ?? stored);
    this.checkpoint = new Journal(
      path,
      stored.filter((e) => done.has(e)),
    );
    const at = (e: AttrMap) => String(e.receivedAt?.S);
    const todo = events.filter((e) => !done.has(storedAs(e))).sort((a, b) => at(a).localeCompare(at(b)));
    this.enqueue(todo.map((item) => this.record(table, item, 'INSERT', JSON.stringify(item).length)));
    return todo.length;
  }

  /** Sees every write request before dynalite does; enqueues its records once dynalite answered 200. */
  private tap(ddbServer: Server): void {
    const originals = ddbServer.listeners('request') as Listener[];
    ddbServer.removeAllListeners('request');
    ddbServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const logs = op === 'UpdateItem' && this.onPut !== undefined;
      if (op !== 'PutItem' && op !== 'BatchWriteItem' && op !== 'TransactWriteItems' && !logs) {
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
      const before = await this.reader.send(
        new GetItemCommand({ TableName: table, Key: keyOf(item) as never, ConsistentRead: true }),
      );
      out.push(this.record(table, item, before.Item ? 'MODIFY' : 'INSERT', raw.length));
    }
    return out;
  }

  private record(table: string, item: AttrMap, eventName: 'INSERT' | 'MODIFY', size: number): DynamoDBRecord {
    this.sequence += 1n;
    return {
      eventID: randomUUID().replace(/-/g, ''),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/local`,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(this.now() / 1000),
        Keys: keyOf(item) as never,
        NewImage: item as never,
        SequenceNumber: String(this.sequence).padStart(21, '0'),
        SizeBytes: size,
        StreamViewType: TABLE.streamView,
      },
    };
  }

  /** These records' batch succeeded: a restart does not replay them. */
  private checkpointed(records: DynamoDBRecord[]): void {
    for (const r of records) this.checkpoint?.append(storedAs(r.dynamodb?.NewImage as AttrMap | undefined));
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
      const idx = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      failedFrom = failed.size ? Math.max(idx, 0) : batch.length;
      this.checkpointed(batch.slice(0, failedFrom));
      if (failedFrom === batch.length) return;
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

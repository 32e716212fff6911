/**
 * The local delivery pipeline: what AWS gives us as managed services, emulated in-process.
 *
 * - DynamoDB stream: dynalite has none, so the local runtime observes successful put writes on
 *   dynalite's HTTP listener (PutItem, BatchWriteItem puts, TransactWriteItems puts), builds the
 *   same DynamoDBStreamEvent records (NEW_IMAGE in DynamoDB JSON, INSERT or MODIFY from a read
 *   before the write, increasing SequenceNumber), applies the same filter (infra/stream.ts) and
 *   invokes `events-process` in order, in batches, with the same retry, bisect-on-error and
 *   on-failure dead-letter behaviour. Only items that pass the filter's `kind` are pre-read.
 * - SQS delivery queue: per-message delay (capped at 900 s as SQS does), visibility-timeout
 *   redelivery and a DLQ after maxReceiveCount, invoking `deliveries-send` with SQSEvent records.
 *   Time comes from runtime().clock; with useClock() a test pins time and runs the schedule with
 *   advance(ms), so hours of retries take milliseconds.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handler as sendHandler } from '../../functions/deliveries-send/index.js';
import { handler as processHandler } from '../../functions/events-process/index.js';
import { RecordingPublisher } from '../../shared/adapters/eventbridge.js';
import { setDeliveryTransport } from '../../shared/delivery/deps.js';
import type { DeliveryQueue, QueueMessage } from '../../shared/delivery/types.js';
import type { Clock } from '../../shared/ports/index.js';
import { runtime, setClock } from '../../shared/runtime.js';
import { TABLE } from '../../shared/table.js';
import { passesStreamFilter, STREAM_FILTER_PATTERN, STREAM_SETTINGS } from '../stream.js';
import { runAs } from './iam.js';

type AttrMap = Record<string, Record<string, unknown>>;
type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export const QUEUE_SETTINGS = {
  visibilityTimeoutSec: 60,
  maxReceiveCount: 5,
  batchSize: 10,
  maxDelaySec: 900,
  /** Concurrent consumer invocations, as Lambda scales SQS pollers out. */
  pollers: 5,
} as const;

export class ManualClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

export interface LocalPipeline {
  bus: RecordingPublisher;
  /** Stream records that exhausted their retries (the on-failure destination). */
  streamDeadLetters: DynamoDBRecord[];
  /** Queue messages that exceeded maxReceiveCount (the queue's DLQ). */
  queueDeadLetters: QueueMessage[];
  /** Pins time for handlers and the queue; delayed messages then wait for advance(). */
  useClock(clock: ManualClock | undefined): void;
  /** Moves the pinned clock forward, running every message that falls due on the way. */
  advance(ms: number): Promise<void>;
  /** Resolves when no stream record or due message is waiting or running. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startLocalPipeline(ddbServer: Server, endpoint: string): LocalPipeline {
  const bus = new RecordingPublisher();
  const streamDeadLetters: DynamoDBRecord[] = [];
  const queueDeadLetters: QueueMessage[] = [];
  let manual: ManualClock | undefined;
  let closed = false;
  let active = 0;
  const now = () => runtime().clock.now();
  const reader = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  // ---------------------------------------------------------------- stream emulation
  let sequence = 0n;
  const pending: DynamoDBRecord[] = [];
  let pumping = false;

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
      void observeWrite(op, raw)
        .catch(() => [])
        .then((records) => {
          const replay = Object.assign(Readable.from([raw]), {
            headers: req.headers,
            method: req.method,
            url: req.url,
          }) as unknown as IncomingMessage;
          res.once('finish', () => {
            if (res.statusCode === 200 && records.length) enqueueStream(records);
          });
          for (const l of originals) l(replay, res);
        });
    });
  });

  /** Builds the stream records a successful write would produce; filtered before the (costly) pre-read. */
  async function observeWrite(op: string, raw: Buffer): Promise<DynamoDBRecord[]> {
    const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    const puts: { table: string; item: AttrMap }[] = [];
    if (op === 'PutItem') puts.push({ table: String(body.TableName), item: body.Item as AttrMap });
    else if (op === 'BatchWriteItem') {
      for (const [table, reqs] of Object.entries((body.RequestItems ?? {}) as Record<string, unknown[]>))
        for (const r of reqs) {
          const item = (r as { PutRequest?: { Item: AttrMap } }).PutRequest?.Item;
          if (item) puts.push({ table, item });
        }
    } else {
      for (const t of (body.TransactItems ?? []) as { Put?: { TableName: string; Item: AttrMap } }[])
        if (t.Put) puts.push({ table: t.Put.TableName, item: t.Put.Item });
    }
    const out: DynamoDBRecord[] = [];
    for (const { table, item } of puts) {
      const kind = (item[TABLE.kindAttribute] as { S?: string } | undefined)?.S;
      if (!STREAM_FILTER_PATTERN.dynamodb.NewImage.kind.S.some((k) => k === kind)) continue;
      const key = {
        [TABLE.partitionKey]: item[TABLE.partitionKey],
        [TABLE.sortKey]: item[TABLE.sortKey],
      } as AttrMap;
      const before = await reader.send(
        new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }),
      );
      sequence += 1n;
      out.push({
        eventID: randomUUID().replace(/-/g, ''),
        eventName: before.Item ? 'MODIFY' : 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/local`,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(now() / 1000),
          Keys: key as never,
          NewImage: item as never,
          SequenceNumber: String(sequence).padStart(21, '0'),
          SizeBytes: raw.length,
          StreamViewType: TABLE.streamView,
        },
      });
    }
    return out;
  }

  function enqueueStream(records: DynamoDBRecord[]): void {
    for (const r of records) if (passesStreamFilter(r)) pending.push(r);
    if (!pumping) void pumpStream();
  }

  async function pumpStream(): Promise<void> {
    pumping = true;
    try {
      while (pending.length && !closed) {
        const batch = pending.splice(0, STREAM_SETTINGS.batchSize);
        active++;
        try {
          await runStreamBatch(batch, 0);
        } finally {
          active--;
        }
      }
    } finally {
      pumping = false;
    }
  }

  async function runStreamBatch(batch: DynamoDBRecord[], attempt: number): Promise<void> {
    if (!batch.length || closed) return;
    let failedFrom: number;
    try {
      const res = await runAs('events-process', () =>
        processHandler({ Records: batch } as DynamoDBStreamEvent),
      );
      const failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      if (!failed.size) return;
      const idx = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      failedFrom = Math.max(idx, 0);
    } catch {
      if (STREAM_SETTINGS.bisectBatchOnError && batch.length > 1) {
        const mid = Math.ceil(batch.length / 2);
        await runStreamBatch(batch.slice(0, mid), attempt);
        await runStreamBatch(batch.slice(mid), attempt);
        return;
      }
      failedFrom = 0;
    }
    const rest = batch.slice(failedFrom);
    if (attempt >= STREAM_SETTINGS.retryAttempts) {
      streamDeadLetters.push(...rest);
      runtime().log.error('stream records sent to the on-failure destination', { count: rest.length });
      return;
    }
    await sleep(5 * 2 ** attempt);
    await runStreamBatch(rest, attempt + 1);
  }

  // ---------------------------------------------------------------- queue emulation
  interface Held {
    id: string;
    body: string;
    dueAt: number;
    receives: number;
  }
  const held: Held[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;

  const queue: DeliveryQueue = {
    async send(message, delaySec) {
      const delay = Math.max(0, Math.min(QUEUE_SETTINGS.maxDelaySec, delaySec));
      held.push({
        id: randomUUID(),
        body: JSON.stringify(message),
        dueAt: now() + delay * 1000,
        receives: 0,
      });
      schedule();
    },
  };

  function schedule(): void {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!held.length) return;
    const next = Math.min(...held.map((h) => h.dueAt));
    const wait = next - now();
    if (wait <= 0) timer = setTimeout(() => void drain(), 0);
    else if (!manual) timer = setTimeout(() => void drain(), Math.min(wait, 2 ** 31 - 1));
  }

  /** Starts batches of due messages, up to `pollers` at once (Lambda scales SQS consumers out too). */
  async function drain(): Promise<void> {
    if (closed) return;
    const t = now();
    const due = held.filter((h) => h.dueAt <= t).sort((a, b) => a.dueAt - b.dueAt);
    const runs: Promise<void>[] = [];
    while (due.length && inFlight < QUEUE_SETTINGS.pollers) {
      const batch = due.splice(0, QUEUE_SETTINGS.batchSize);
      for (const h of batch) {
        held.splice(held.indexOf(h), 1);
        h.receives++;
      }
      inFlight++;
      runs.push(
        invoke(batch, t).finally(() => {
          inFlight--;
          void drain();
        }),
      );
    }
    if (!due.length) schedule();
    await Promise.all(runs);
  }

  async function invoke(batch: Held[], t: number): Promise<void> {
    const event: SQSEvent = {
      Records: batch.map((h) => ({
        messageId: h.id,
        receiptHandle: h.id,
        body: h.body,
        attributes: {
          ApproximateReceiveCount: String(h.receives),
          SentTimestamp: String(t),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(t),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:hookbridge-deliveries',
        awsRegion: 'us-east-1',
      })),
    };
    let failedIds: Set<string>;
    try {
      const res: SQSBatchResponse = await runAs('deliveries-send', () => sendHandler(event));
      failedIds = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    } catch {
      failedIds = new Set(batch.map((h) => h.id));
    }
    for (const h of batch) {
      if (!failedIds.has(h.id)) continue;
      if (h.receives >= QUEUE_SETTINGS.maxReceiveCount)
        queueDeadLetters.push(JSON.parse(h.body) as QueueMessage);
      else held.push({ ...h, dueAt: now() + QUEUE_SETTINGS.visibilityTimeoutSec * 1000 });
    }
  }

  setDeliveryTransport({ queue, bus });

  return {
    bus,
    streamDeadLetters,
    queueDeadLetters,
    useClock(clock) {
      manual = clock;
      setClock(clock);
      schedule();
    },
    async advance(ms) {
      if (!manual) throw new Error('advance() needs useClock(new ManualClock(t)) first');
      const target = manual.t + ms;
      await this.idle();
      for (;;) {
        const next = held.length ? Math.min(...held.map((h) => h.dueAt)) : Number.POSITIVE_INFINITY;
        if (next > target) break;
        manual.t = Math.max(manual.t, next);
        await drain();
        await this.idle();
      }
      manual.t = target;
    },
    async idle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const dueNow = held.some((h) => h.dueAt <= now());
        if (!pending.length && !pumping && active === 0 && inFlight === 0 && !dueNow) {
          // One more turn lets just-finished writes' 'finish' callbacks enqueue their records.
          await sleep(5);
          if (
            !pending.length &&
            !pumping &&
            active === 0 &&
            inFlight === 0 &&
            !held.some((h) => h.dueAt <= now())
          )
            return;
        }
        if (Date.now() > deadline) throw new Error('local pipeline did not go idle');
        await sleep(2);
      }
    },
    async close() {
      closed = true;
      // Let running invocations finish before the store goes away.
      for (let i = 0; i < 500 && (active > 0 || inFlight > 0 || pumping); i++) await sleep(10);
      if (timer) clearTimeout(timer);
      setDeliveryTransport({});
      if (manual) setClock(undefined);
      reader.destroy();
    },
  };
}

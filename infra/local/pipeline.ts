/**
 * The local delivery pipeline: what AWS gives us as managed services, emulated in-process — the
 * DynamoDB stream (./stream.ts) into `events-process`, the SQS queue (./queue.ts) into
 * `deliveries-send`, and a recording EventBridge bus. The pipeline owns the clock the container
 * runs on: with useClock() a test pins time and runs the schedule with advance(ms), so hours of
 * retries take milliseconds. With a data dir the stream and queue survive a crash (see there).
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { RecordingPublisher } from '../../shared/adapters/eventbridge.js';
import type { Logger } from '../../shared/log.js';
import { type Clock, type QueueMessage, type QueueStats, systemClock } from '../../shared/ports/index.js';
import { LocalQueue } from './queue.js';
import type { Recovered } from './recovery.js';
import { type AttrMap, LocalStream, sleep } from './stream.js';

export class ManualClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

export interface PipelineFunctions {
  process(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse>;
  send(event: SQSEvent): Promise<SQSBatchResponse>;
  log: Logger;
}

/** A consumer's invocations so far: how many, the records they carried and their total wall time. */
export interface Invocations {
  count: number;
  records: number;
  ms: number;
}

export interface LocalPipeline {
  bus: RecordingPublisher;
  /** `events-process` and `deliveries-send` invocations (the cost bench reads them). */
  invocations: Record<'events-process' | 'deliveries-send', Invocations>;
  queue: LocalQueue;
  /** The delivery queue, its DLQ and the stream's on-failure queue, as GET /health/pipeline reports them. */
  queueStats: QueueStats;
  /** The clock the container runs on: the base clock, or the test's pinned one. */
  clock: Clock;
  /** Stream records that exhausted their retries (the on-failure destination). */
  streamDeadLetters: DynamoDBRecord[];
  /** Queue messages that exceeded maxReceiveCount (the queue's DLQ). */
  queueDeadLetters: QueueMessage[];
  /** Starts the stream and queue once the functions are loaded (a data dir's recovered work first). */
  resume(): void;
  /** Pins time for handlers and the queue; delayed messages then wait for advance(). */
  useClock(clock: ManualClock | undefined): void;
  /** Moves the pinned clock forward, running every message that falls due on the way. */
  advance(ms: number): Promise<void>;
  /** Resolves when no stream record or due message is waiting or running. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A data dir's pipeline files, and what the store found in it on start. */
export interface DurablePipeline {
  dir: string;
  table: string;
  recovered: Recovered;
}

/** `functions()` gives the handlers bound to the current container (built after the pipeline, over its queue, bus and clock). */
export function startLocalPipeline(
  ddbServer: Server,
  endpoint: string,
  functions: () => PipelineFunctions,
  base: Clock = systemClock,
  onPut?: (item: AttrMap) => void,
  durable?: DurablePipeline,
): LocalPipeline {
  let manual: ManualClock | undefined;
  const clock: Clock = { now: () => (manual ?? base).now() };
  const now = () => clock.now();
  const invocations = {
    'events-process': { count: 0, records: 0, ms: 0 },
    'deliveries-send': { count: 0, records: 0, ms: 0 },
  };
  const counted =
    <E extends { Records: unknown[] }, R>(of: Invocations, f: (e: E) => Promise<R>) =>
    async (e: E): Promise<R> => {
      const t = performance.now();
      try {
        return await f(e);
      } finally {
        of.count++;
        of.records += e.Records.length;
        of.ms += performance.now() - t;
      }
    };
  const stream = new LocalStream(
    ddbServer,
    endpoint,
    now,
    () => functions().log,
    counted(invocations['events-process'], (e: DynamoDBStreamEvent) => functions().process(e)),
    onPut,
  );
  const queue = new LocalQueue(
    now,
    () => manual !== undefined,
    counted(invocations['deliveries-send'], (e: SQSEvent) => functions().send(e)),
    durable && join(durable.dir, 'queue.jsonl'),
  );
  const quiet = () => !stream.busy && !queue.busy && !queue.hasDue();
  return {
    bus: new RecordingPublisher(),
    invocations,
    queue,
    queueStats: {
      depths: async () => [
        ...queue.depths(),
        {
          name: 'stream-dlq',
          role: 'dead-letter',
          visible: stream.deadLetters.length,
          inFlight: 0,
          delayed: 0,
        },
      ],
    },
    clock,
    streamDeadLetters: stream.deadLetters,
    queueDeadLetters: queue.deadLetters,
    resume() {
      if (durable) {
        const { events, repaired, released } = durable.recovered;
        const replayed = stream.recover(join(durable.dir, 'stream-checkpoint.jsonl'), durable.table, events);
        if (replayed + repaired + released + queue.pending > 0)
          functions().log.info('recovered from the data dir', {
            eventsReplayed: replayed,
            messagesQueued: queue.pending,
            indexEntriesRepaired: repaired,
            claimsReleased: released,
          });
      }
      queue.schedule();
    },
    useClock(c) {
      manual = c;
      queue.schedule();
    },
    async advance(ms) {
      if (!manual) throw new Error('advance() needs useClock(new ManualClock(t)) first');
      const target = manual.t + ms;
      await this.idle();
      for (;;) {
        const next = queue.nextDue();
        if (next > target) break;
        manual.t = Math.max(manual.t, next);
        await queue.drain();
        await this.idle();
      }
      manual.t = target;
    },
    async idle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // One more turn lets just-finished writes' 'finish' callbacks enqueue their records.
        if (quiet()) {
          await sleep(5);
          if (quiet()) return;
        }
        if (Date.now() > deadline) throw new Error('local pipeline did not go idle');
        await sleep(2);
      }
    },
    async close() {
      stream.stop();
      queue.close();
      // Let running invocations finish before the store goes away.
      for (let i = 0; i < 500 && (stream.running || queue.busy); i++) await sleep(10);
      stream.close();
      manual = undefined;
    },
  };
}

/**
 * The SQS delivery queue, emulated: per-message delay (capped at 900 s as SQS does),
 * visibility-timeout redelivery and a DLQ after maxReceiveCount, invoking `deliveries-send` with
 * SQSEvent records. With a pinned clock, due times wait for the test's advance().
 *
 * With a journal file (a data dir), it is as durable as SQS: send() resolves once the message is
 * on disk, and a message leaves the journal only when its consumer succeeded (or it reached the
 * DLQ, which is kept too). A restart loads every message not deleted, in-flight ones due at once:
 * their invocation died with the previous process.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DeliveryQueue, QueueDepth, QueueMessage } from '../../shared/ports/index.js';
import { Journal } from './journal.js';

export const QUEUE_SETTINGS = {
  visibilityTimeoutSec: 60,
  maxReceiveCount: 5,
  batchSize: 10,
  maxDelaySec: 900,
  /** Concurrent consumer invocations, as Lambda scales SQS pollers out. */
  pollers: 5,
  /** The journal is rewritten with just the live messages once it has this many more entries. */
  compactAfter: 10_000,
} as const;

interface Held {
  id: string;
  body: string;
  dueAt: number;
  receives: number;
}

/** One journal line: a message sent or handed back, deleted after success, or moved to the DLQ. */
type Entry = { put: Held } | { del: string } | { dead: Held };

/** The messages a journal holds: live ones by id, and the DLQ. */
function replay(entries: Entry[]): { live: Map<string, Held>; dead: Held[] } {
  const live = new Map<string, Held>();
  const dead: Held[] = [];
  for (const e of entries) {
    if ('put' in e) live.set(e.put.id, e.put);
    else if ('del' in e) live.delete(e.del);
    else {
      live.delete(e.dead.id);
      dead.push(e.dead);
    }
  }
  return { live, dead };
}

export class LocalQueue implements DeliveryQueue {
  /** Messages that exceeded maxReceiveCount (the queue's DLQ). */
  readonly deadLetters: QueueMessage[] = [];
  private readonly held: Held[] = [];
  /** The DLQ's messages as the journal keeps them. */
  private readonly dead: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Messages handed to a running invocation. */
  private inFlightMessages = 0;
  /** send() calls waiting for their message to be on disk. */
  private sending = 0;
  private closed = false;
  private readonly journal: Journal | undefined;

  constructor(
    private readonly now: () => number,
    /** True while time is pinned: due times then wait for drain() from advance(). */
    private readonly pinned: () => boolean,
    private readonly consume: (event: SQSEvent) => Promise<SQSBatchResponse>,
    /** The journal file (with a data dir); its messages wait for schedule(). */
    journalPath?: string,
  ) {
    if (!journalPath) return;
    const { live, dead } = replay(Journal.read<Entry>(journalPath) ?? []);
    this.held.push(...live.values());
    for (const h of dead) this.toDeadLetters(h);
    this.journal = new Journal(journalPath, this.entries());
  }

  /** What the journal must hold: the DLQ and every message, when none is in flight. */
  private entries(): Entry[] {
    return [...this.dead.map((h) => ({ dead: h })), ...this.held.map((h) => ({ put: h }))];
  }

  private toDeadLetters(h: Held): void {
    this.dead.push(h);
    this.deadLetters.push(JSON.parse(h.body) as QueueMessage);
  }

  /** Compacts the journal when no message is in flight or being sent (every live one is then held). */
  private compact(): void {
    if (
      this.journal &&
      this.journal.appended >= QUEUE_SETTINGS.compactAfter &&
      !this.inFlight &&
      !this.sending
    )
      this.journal.rewrite(this.entries());
  }

  /** Resolves once the message is kept (on disk, with a journal). */
  async send(message: QueueMessage, delaySec: number): Promise<void> {
    const delay = Math.max(0, Math.min(QUEUE_SETTINGS.maxDelaySec, delaySec));
    const h: Held = {
      id: randomUUID(),
      body: JSON.stringify(message),
      dueAt: this.now() + delay * 1000,
      receives: 0,
    };
    this.sending++;
    try {
      this.journal?.append({ put: h });
      await this.journal?.sync();
      this.held.push(h);
    } finally {
      this.sending--;
    }
    this.compact();
    this.schedule();
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Messages waiting (delayed or due), not in flight. */
  get pending(): number {
    return this.held.length;
  }

  /** The queue and its DLQ as GET /health/pipeline reports them (exact counts, unlike SQS's). */
  depths(): QueueDepth[] {
    const t = this.now();
    const due = this.held.filter((h) => h.dueAt <= t).length;
    return [
      {
        name: 'delivery',
        role: 'delivery',
        visible: due,
        inFlight: this.inFlightMessages,
        delayed: this.held.length - due,
      },
      { name: 'delivery-dlq', role: 'dead-letter', visible: this.dead.length, inFlight: 0, delayed: 0 },
    ];
  }

  hasDue(): boolean {
    const t = this.now();
    return this.held.some((h) => h.dueAt <= t);
  }

  nextDue(): number {
    return this.held.length ? Math.min(...this.held.map((h) => h.dueAt)) : Number.POSITIVE_INFINITY;
  }

  schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.held.length) return;
    const wait = this.nextDue() - this.now();
    if (wait <= 0) this.timer = setTimeout(() => void this.drain(), 0);
    else if (!this.pinned()) this.timer = setTimeout(() => void this.drain(), Math.min(wait, 2 ** 31 - 1));
  }

  /** Starts batches of due messages, up to `pollers` at once (Lambda scales SQS consumers out too). */
  async drain(): Promise<void> {
    if (this.closed) return;
    const t = this.now();
    const due = this.held.filter((h) => h.dueAt <= t).sort((a, b) => a.dueAt - b.dueAt);
    const runs: Promise<void>[] = [];
    while (due.length && this.inFlight < QUEUE_SETTINGS.pollers) {
      const batch = due.splice(0, QUEUE_SETTINGS.batchSize);
      for (const h of batch) {
        this.held.splice(this.held.indexOf(h), 1);
        h.receives++;
      }
      this.inFlight++;
      this.inFlightMessages += batch.length;
      runs.push(
        this.invoke(batch, t).finally(() => {
          this.inFlight--;
          this.inFlightMessages -= batch.length;
          this.compact();
          void this.drain();
        }),
      );
    }
    if (!due.length) this.schedule();
    await Promise.all(runs);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.journal?.close();
  }

  private async invoke(batch: Held[], t: number): Promise<void> {
    let failedIds: Set<string>;
    try {
      const res = await this.consume(sqsEvent(batch, t));
      failedIds = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    } catch {
      failedIds = new Set(batch.map((h) => h.id));
    }
    for (const h of batch) {
      if (!failedIds.has(h.id)) this.journal?.append({ del: h.id });
      else if (h.receives >= QUEUE_SETTINGS.maxReceiveCount) {
        this.journal?.append({ dead: h });
        this.toDeadLetters(h);
      } else {
        const back = { ...h, dueAt: this.now() + QUEUE_SETTINGS.visibilityTimeoutSec * 1000 };
        this.journal?.append({ put: back });
        this.held.push(back);
      }
    }
  }
}

function sqsEvent(batch: Held[], t: number): SQSEvent {
  return {
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
}

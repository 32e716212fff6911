/**
 * The local delivery queue's journal (infra/local/queue.ts): a queue opened again on the same file
 * (a restart after kill -9, nothing closed) holds every message not deleted, with its due time and
 * receive count, and its DLQ; the journal is compacted once it grows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalQueue, QUEUE_SETTINGS } from '../../infra/local/queue.js';
import type { QueueMessage } from '../../shared/ports/index.js';
import { tempDir } from '../support/local-runtime.js';

let dir: string;
let removeDir: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove: removeDir } = await tempDir('hb-queue-'));
});
afterAll(() => removeDir());

const msg = (replayId: string): QueueMessage => ({ kind: 'replay', replayId });

/** A queue on `file` under a pinned clock, whose consumer records replay ids and fails those in `failing`. */
function open(file: string, clock: { t: number }, failing = new Set<string>()) {
  const got: string[] = [];
  const queue = new LocalQueue(
    () => clock.t,
    () => true,
    async (e: SQSEvent) => ({
      batchItemFailures: e.Records.flatMap((r) => {
        const id = (JSON.parse(r.body) as { replayId: string }).replayId;
        got.push(id);
        return failing.has(id) ? [{ itemIdentifier: r.messageId }] : [];
      }),
    }),
    join(dir, file),
  );
  return { queue, got };
}

describe('LocalQueue with a journal', () => {
  it('reopened without closing, holds what was not deleted, when it was due, and its DLQ', async () => {
    const clock = { t: 1_000_000 };
    const first = open('restart.jsonl', clock, new Set(['bad']));
    await first.queue.send(msg('done'), 0);
    await first.queue.send(msg('later'), 100);
    await first.queue.send(msg('bad'), 0);
    await first.queue.drain();
    expect(first.got.sort()).toEqual(['bad', 'done']);

    const second = open('restart.jsonl', clock, new Set(['bad']));
    expect(second.queue.hasDue()).toBe(false);
    expect(second.queue.nextDue()).toBe(clock.t + QUEUE_SETTINGS.visibilityTimeoutSec * 1000);
    for (let i = 1; i < QUEUE_SETTINGS.maxReceiveCount; i++) {
      clock.t += QUEUE_SETTINGS.visibilityTimeoutSec * 1000;
      await second.queue.drain();
    }
    expect(second.got).toEqual(['bad', 'later', 'bad', 'bad', 'bad']);
    expect(second.queue.deadLetters).toEqual([msg('bad')]);

    const third = open('restart.jsonl', clock);
    expect(third.queue.deadLetters).toEqual([msg('bad')]);
    expect(third.queue.nextDue()).toBe(Number.POSITIVE_INFINITY);
    third.queue.close();
  });

  it('is rewritten with only the live messages once it has grown', async () => {
    const clock = { t: 0 };
    const { queue, got } = open('compact.jsonl', clock);
    const n = QUEUE_SETTINGS.compactAfter / 2 + 10;
    await Promise.all(Array.from({ length: n }, (_, i) => queue.send(msg(`m${i}`), 0)));
    await queue.send(msg('kept'), 900);
    await queue.drain();
    for (let i = 0; i < 1000 && got.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toHaveLength(n);
    // Rewritten when the journal passed compactAfter with nothing in flight: what remains is short.
    const lines = readFileSync(join(dir, 'compact.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(100);
    const reopened = open('compact.jsonl', clock);
    clock.t += 900_000;
    await reopened.queue.drain();
    expect(reopened.got).toEqual(['kept']);
    reopened.queue.close();
    queue.close();
  });
});

import { describe, expect, it } from 'vitest';
import { startLocalSchedule } from '../../infra/local/schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the local schedule', () => {
  it('invokes the reconciler on its interval, one invocation at a time, with its timeout', async () => {
    const started: [string, number][] = [];
    let running = 0;
    let most = 0;
    const schedule = startLocalSchedule(
      async (fn, timeoutMs) => {
        started.push([fn, timeoutMs]);
        most = Math.max(most, ++running);
        await sleep(45);
        running--;
      },
      () => {},
      10,
    );
    await sleep(250);
    await schedule.close();
    const count = started.length;
    // Ticks every 10 ms, each invocation 45 ms: ticks while one runs are skipped.
    expect(count).toBeGreaterThanOrEqual(2);
    expect(count).toBeLessThanOrEqual(6);
    expect(most).toBe(1);
    expect(started.every(([fn, timeoutMs]) => fn === 'reconciler' && timeoutMs === 300_000)).toBe(true);
    await sleep(50);
    expect(started.length, 'no invocation after close()').toBe(count);
  });

  it('run(fn) joins the invocation under way; close() waits for it; a failure goes to onError', async () => {
    const errors: string[] = [];
    let calls = 0;
    let finished = false;
    const schedule = startLocalSchedule(
      async () => {
        calls++;
        await sleep(30);
        finished = true;
        throw new Error('boom');
      },
      (fn, err) => errors.push(`${fn}: ${(err as Error).message}`),
      5,
    );
    await sleep(8);
    const joined = schedule.run('reconciler');
    await expect(joined).rejects.toThrow('boom');
    await schedule.close();
    expect(finished).toBe(true);
    expect(calls).toBe(1);
    expect(errors).toEqual(['reconciler: boom']);
  });
});

/**
 * The local runtime's EventBridge schedule: each scheduled function (LOCAL_SCHEDULED) runs on its
 * interval, one invocation at a time (a tick while one runs is skipped), as the stack's rule
 * would. `run(fn)` invokes it now (tests, or waits for the one under way); `close()` stops the
 * timers and waits for a running invocation.
 */
import { FUNCTION_SETTINGS } from '../functions.js';
import { LOCAL_SCHEDULED } from './functions.js';

export interface LocalSchedule {
  run(fn: string): Promise<unknown>;
  close(): Promise<void>;
}

export function startLocalSchedule(
  invoke: (fn: string, timeoutMs: number) => Promise<unknown>,
  onError: (fn: string, err: unknown) => void,
  everyMs?: number,
): LocalSchedule {
  const running = new Map<string, Promise<unknown>>();
  const run = (fn: string): Promise<unknown> => {
    const under = running.get(fn);
    if (under) return under;
    const timeoutMs = (FUNCTION_SETTINGS[fn]?.timeoutSec ?? 60) * 1000;
    const p = invoke(fn, timeoutMs).finally(() => running.delete(fn));
    running.set(fn, p);
    return p;
  };
  const timers = LOCAL_SCHEDULED.map((fn) => {
    const ms = everyMs ?? (FUNCTION_SETTINGS[fn]?.scheduleMinutes ?? 5) * 60_000;
    const t = setInterval(() => {
      if (!running.has(fn)) run(fn).catch((err) => onError(fn, err));
    }, ms);
    t.unref();
    return t;
  });
  return {
    run,
    async close() {
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running.values()]);
    },
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { BenchResult } from './run.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(opts: autocannon.Options): Promise<LoadResult> {
  const r = await autocannon({ connections: 50, duration: 5, ...opts });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/** Starts a TypeScript script as its own process (so the load generator does not share its event loop) and waits for `{"url": …}` on stdout. */
export async function startProcess(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      HOOKBRIDGE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${script} did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const percentile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;

/** A figure, with the baseline (name, value) it is read against when there is one. */
export function figure(name: string, value: number, unit: string, baseline?: [string, number]): BenchResult {
  return { name, value, unit, ...(baseline ? { baseline: { name: baseline[0], value: baseline[1] } } : {}) };
}

/** A figure against its baseline with the ratio value / baseline and a goal; `pass` judges the ratio. */
export function ratioGoal(
  name: string,
  value: number,
  unit: string,
  baseline: [string, number],
  goal: string,
  pass: (ratio: number) => boolean,
): BenchResult {
  const ratio = value / baseline[1];
  return { ...figure(name, value, unit, baseline), ratio, goal, pass: pass(ratio) };
}

/** Runs `fn` n times one after another (each after `before`, untimed); the durations in ms, sorted. */
export async function timed(
  n: number,
  fn: () => Promise<unknown>,
  before?: () => Promise<unknown>,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (before) await before();
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

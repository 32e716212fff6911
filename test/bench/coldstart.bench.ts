import { execFileSync } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE } from '../../infra/bundling.js';
import { ROOT } from './lib.js';
import type { BenchResult } from './run.js';

const OUT = join(ROOT, '.bench/bundles');
const RUNS = 15;

/** Builds `entry` as the stack ships it (BUNDLE) into .bench/bundles/<name>/index.mjs. */
export async function bundle(name: string, entry: string): Promise<string> {
  const outfile = join(OUT, name, 'index.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: BUNDLE.format,
    platform: BUNDLE.platform,
    target: BUNDLE.target,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourcemap,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    alias: BUNDLE.alias,
    logLevel: 'error',
  });
  return outfile;
}

const ENV = {
  ...process.env,
  HOOKBRIDGE_TABLE: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Wall time of a fresh `node` process importing the bundle (module evaluation included, handler not called). */
function importOnce(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: ENV,
    }).toString(),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the function's bundle and the baseline alternately, so machine noise hits both alike; returns both medians. */
function importTimes(file: string, baseline: string): { ms: number; base: number } {
  const fn: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(importOnce(baseline));
    fn.push(importOnce(file));
  }
  return { ms: median(fn), base: median(base) };
}

export default async function (): Promise<BenchResult[]> {
  await mkdir(OUT, { recursive: true });
  const baseFile = await bundle('_baseline', join(ROOT, 'test/bench/baseline-ddb-entry.ts'));
  const baseSize = (await stat(baseFile)).size;
  const results: BenchResult[] = [];
  const dirs = (await readdir(join(ROOT, 'functions'), { withFileTypes: true })).filter((d) =>
    d.isDirectory(),
  );
  const fns: string[] = [];
  for (const d of dirs)
    if ((await readdir(join(ROOT, 'functions', d.name))).includes('index.ts')) fns.push(d.name);
  const rows: Record<string, unknown> = {};
  for (const fn of fns.sort()) {
    const file = await bundle(fn, join(ROOT, 'functions', fn, 'index.ts'));
    const size = (await stat(file)).size;
    const { ms, base } = importTimes(file, baseFile);
    const ratio = ms / base;
    const limit = 1.1;
    rows[fn] = { kb: Math.round(size / 1024), ms, baselineMs: base, ratio };
    results.push({
      name: `${fn} cold import`,
      value: ms,
      unit: 'ms',
      baseline: {
        name: `client-dynamodb + lib-dynamodb bundle (${Math.round(baseSize / 1024)} KB)`,
        value: base,
      },
      ratio,
      goal: `<= ${limit}x`,
      pass: ratio <= limit,
    });
    results.push({ name: `${fn} bundle size`, value: size / 1024, unit: 'KB' });
  }
  await writeFile(
    join(OUT, 'summary.json'),
    JSON.stringify({ baselineKb: baseSize / 1024, functions: rows }, null, 2),
  );
  return results;
}

import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { functionBuild } from '../../infra/bundling.js';
import { ROOT } from './lib.js';
import type { BenchResult } from './run.js';

const OUT = join(ROOT, '.bench/bundles');
const RUNS = 15;

/** Builds `entry` as the stack ships it (functionBuild) into .bench/bundles/<name>/: index.mjs and its chunks. */
export async function bundle(name: string, entry: string): Promise<string> {
  return (await bundleWithSizes(name, entry)).file;
}

/** The bundle, its size loaded at import (index.mjs and the chunks it imports statically) and its whole size. */
async function bundleWithSizes(name: string, entry: string) {
  const dir = join(OUT, name);
  await rm(dir, { recursive: true, force: true });
  const { metafile } = await build({ ...functionBuild(entry, dir), metafile: true });
  const outputs = Object.fromEntries(Object.entries(metafile.outputs).map(([k, v]) => [resolve(ROOT, k), v]));
  const file = join(dir, 'index.mjs');
  const loaded = new Set<string>();
  const visit = (f: string) => {
    if (loaded.has(f)) return;
    loaded.add(f);
    for (const i of outputs[f]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) visit(resolve(ROOT, i.path));
  };
  visit(file);
  const size = (fs: string[]) => fs.reduce((n, f) => n + (outputs[f]?.bytes ?? 0), 0);
  return { file, importedBytes: size([...loaded]), totalBytes: size(Object.keys(outputs)) };
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
  // A reference without a goal: the clients and config every function needs before its own code.
  const clients = await bundleWithSizes('_clients', join(ROOT, 'test/bench/baseline-clients-entry.ts'));
  const ref = importTimes(clients.file, baseFile);
  results.push({
    name: `reference: DynamoDB + Secrets Manager clients + config (zod/mini), ${Math.round(clients.importedBytes / 1024)} KB, cold import`,
    value: ref.ms,
    unit: 'ms',
    baseline: { name: 'client-dynamodb + lib-dynamodb bundle', value: ref.base },
    ratio: ref.ms / ref.base,
  });
  for (const fn of fns.sort()) {
    const { file, importedBytes, totalBytes } = await bundleWithSizes(
      fn,
      join(ROOT, 'functions', fn, 'index.ts'),
    );
    const { ms, base } = importTimes(file, baseFile);
    const ratio = ms / base;
    const limit = 1.1;
    rows[fn] = {
      importedKb: Math.round(importedBytes / 1024),
      totalKb: Math.round(totalBytes / 1024),
      ms,
      baselineMs: base,
      ratio,
    };
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
    results.push(
      { name: `${fn} bundle loaded at import`, value: importedBytes / 1024, unit: 'KB' },
      { name: `${fn} bundle with every chunk`, value: totalBytes / 1024, unit: 'KB' },
    );
  }
  await writeFile(
    join(OUT, 'summary.json'),
    JSON.stringify({ baselineKb: baseSize / 1024, functions: rows }, null, 2),
  );
  return results;
}

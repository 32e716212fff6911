import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE } from '../../infra/bundling.js';
import { ROOT } from './lib.js';
import type { BenchResult } from './run.js';

/**
 * Why our own logger and not Powertools Logger: the cold-import cost of each bundle and the cost
 * of 20,000 log lines with a nested object that needs redaction, each in a fresh process (stdout
 * discarded, so both sides measure formatting, not the terminal).
 */
const OUT = join(ROOT, '.bench/logger');
const RUNS = 11;
const LINES = 20_000;

const entries = {
  ours: `import { createLogger } from '${ROOT}/shared/log.js';
const log = createLogger({ service: 'bench' }, { write: () => {} });
export const emit = (f) => log.info('webhook stored', f);`,
  powertools: `import { Logger } from '@aws-lambda-powertools/logger';
const log = new Logger({ serviceName: 'bench', logLevel: 'INFO' });
export const emit = (f) => log.info('webhook stored', f);`,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function run(file: string): { importMs: number; logMs: number } {
  const script = `process.stdout.write=()=>true;const t=performance.now();const m=await import(${JSON.stringify(file)});const i=performance.now()-t;
const f={provider:'stripe',headers:{authorization:'Bearer x','stripe-signature':'t=1,v1=ab',accept:'*/*'},id:'evt_1'};
const s=performance.now();for(let k=0;k<${LINES};k++)m.emit(f);process.stderr.write(JSON.stringify([i,performance.now()-s]));`;
  const [importMs, logMs] = JSON.parse(
    spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      // Both at info, whatever earlier benches left in this process's environment.
      env: {
        ...process.env,
        POWERTOOLS_DEV: 'false',
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
        HOOKBRIDGE_LOG_LEVEL: 'info',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      maxBuffer: 64 * 1024 * 1024,
    }).stderr.toString(),
  ) as [number, number];
  return { importMs, logMs };
}

export default async function (): Promise<BenchResult[]> {
  await mkdir(OUT, { recursive: true });
  const files: Record<string, string> = {};
  for (const [name, code] of Object.entries(entries)) {
    const src = join(OUT, `${name}.ts`);
    await writeFile(src, code);
    files[name] = join(OUT, `${name}.mjs`);
    await build({
      entryPoints: [src],
      outfile: files[name]!,
      bundle: true,
      format: BUNDLE.format,
      platform: BUNDLE.platform,
      target: BUNDLE.target,
      minify: true,
      mainFields: [...BUNDLE.mainFields],
      banner: { js: BUNDLE.banner },
      alias: BUNDLE.alias,
      logLevel: 'error',
    });
  }
  const samples: Record<string, { importMs: number[]; logMs: number[] }> = {
    ours: { importMs: [], logMs: [] },
    powertools: { importMs: [], logMs: [] },
  };
  for (let i = 0; i < RUNS; i++) {
    for (const name of ['powertools', 'ours']) {
      const r = run(files[name]!);
      samples[name]!.importMs.push(r.importMs);
      samples[name]!.logMs.push(r.logMs);
    }
  }
  const ours = { importMs: median(samples.ours!.importMs), logMs: median(samples.ours!.logMs) };
  const pt = { importMs: median(samples.powertools!.importMs), logMs: median(samples.powertools!.logMs) };
  return [
    {
      name: 'logger cold import (ours)',
      value: ours.importMs,
      unit: 'ms',
      baseline: { name: 'Powertools Logger', value: pt.importMs },
      ratio: ours.importMs / pt.importMs,
    },
    {
      name: `logger ${LINES} lines with redaction (ours)`,
      value: ours.logMs,
      unit: 'ms',
      baseline: { name: 'Powertools Logger (no redaction)', value: pt.logMs },
      ratio: ours.logMs / pt.logMs,
    },
  ];
}

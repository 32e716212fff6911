/**
 * `npm run bench`: runs every test/bench/*.bench.ts in turn. Each exports
 * `default async function (): Promise<BenchResult[]>`; figures are printed as a table and written
 * to .bench/results.json. Every figure that has a goal is a ratio against a baseline measured in
 * the same run.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value / baseline (or baseline / value for latencies), as the goal states it. */
  ratio?: number;
  goal?: string;
  pass?: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
const all: Record<string, BenchResult[]> = {};
for (const f of files) {
  const name = f.replace(/\.bench\.ts$/, '');
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(`\n== ${name} ==\n`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: () => Promise<BenchResult[]> };
  const results = await mod.default();
  all[name] = results;
  for (const r of results) {
    const base = r.baseline ? `  baseline ${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}` : '';
    const ratio = r.ratio === undefined ? '' : `  ratio ${r.ratio.toFixed(2)}`;
    const goal = r.goal ? `  goal ${r.goal} ${r.pass ? 'PASS' : 'MISS'}` : '';
    process.stdout.write(`${r.name}: ${fmt(r.value)} ${r.unit}${base}${ratio}${goal}\n`);
  }
}
await mkdir(join(here, '../../.bench'), { recursive: true });
await writeFile(join(here, '../../.bench/results.json'), `${JSON.stringify(all, null, 2)}\n`);
process.exit(0);

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(2);
}

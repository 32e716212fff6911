import { load, startProcess } from './lib.js';
import type { BenchResult } from './run.js';

/** The local gateway's overhead: /health through the local runtime vs a bare node:http server. */
export default async function (): Promise<BenchResult[]> {
  const bare = await startProcess('test/bench/bare-health-server.ts');
  await load({ url: `${bare.url}/health`, duration: 1 });
  const base = await load({ url: `${bare.url}/health` });
  await bare.stop();

  const local = await startProcess('infra/local/main.ts', [
    '--port',
    '0',
    '--secrets-file',
    '.bench/secrets.json',
  ]);
  await load({ url: `${local.url}/health`, duration: 1 });
  const gw = await load({ url: `${local.url}/health` });
  await local.stop();

  const ratio = gw.rps / base.rps;
  return [
    {
      name: 'local gateway /health req/s',
      value: gw.rps,
      unit: 'req/s',
      baseline: { name: 'bare node:http', value: base.rps },
      ratio,
      goal: '>= 0.5',
      pass: ratio >= 0.5,
    },
    {
      name: 'local gateway /health p99',
      value: gw.p99,
      unit: 'ms',
      baseline: { name: 'bare node:http p99', value: base.p99 },
    },
  ];
}

import { figure, load, ratioGoal, startProcess } from './lib.js';
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

  return [
    ratioGoal(
      'local gateway /health req/s',
      gw.rps,
      'req/s',
      ['bare node:http', base.rps],
      '>= 0.5',
      (r) => r >= 0.5,
    ),
    figure('local gateway /health p99', gw.p99, 'ms', ['bare node:http p99', base.p99]),
  ];
}

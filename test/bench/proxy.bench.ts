/**
 * Proxy overhead: the same upstream called directly and through the local runtime's proxy
 * (`/proxy/integrations/{id}/…`: API-key auth, integration lookup, secret, SSRF check, pinned
 * keep-alive connection, header filtering), in the same run. Latency is measured sequentially
 * (one request at a time, so it is overhead rather than queueing); throughput with 20 connections.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { figure, load, percentile, ROOT, startProcess } from './lib.js';
import type { BenchResult } from './run.js';

const ADMIN = 'bench-admin-key-0123456789abcdef';
const N = 1500;

async function sequential(url: string, headers: Record<string, string>): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = request(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        });
      });
      req.on('error', reject);
      req.end();
    });
  for (let i = 0; i < 200; i++) await once(); // warm-up: JIT, keep-alive sockets, caches
  const out: number[] = [];
  for (let i = 0; i < N; i++) out.push(await once());
  agent.destroy();
  return out.sort((a, b) => a - b);
}

export default async function (): Promise<BenchResult[]> {
  const upstream = await startProcess('test/bench/bare-health-server.ts');
  const upHost = new URL(upstream.url).host;
  const secretsFile = join(ROOT, '.bench/proxy-secrets.json');
  await mkdir(join(ROOT, '.bench'), { recursive: true });
  await writeFile(
    secretsFile,
    JSON.stringify({ 'hookbridge/apikeys/bench': { apiKey: 'bench-upstream-key' } }),
    {
      mode: 0o600,
    },
  );
  const local = await startProcess('infra/local/main.ts', ['--port', '0', '--secrets-file', secretsFile], {
    HOOKBRIDGE_API_KEY: ADMIN,
    HOOKBRIDGE_TEST_ALLOW_HOSTS: upHost,
  });
  try {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const put = await fetch(`${local.url}/integrations/bench`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'api-key', baseUrl: upstream.url, allowedHosts: [upHost] }),
    });
    if (put.status >= 300)
      throw new Error(`PUT /integrations/bench answered ${put.status}: ${await put.text()}`);
    const direct = `${upstream.url}/health`;
    const viaProxy = `${local.url}/proxy/integrations/bench/health`;

    const d = await sequential(direct, {});
    const p = await sequential(viaProxy, auth);
    const added50 = percentile(p, 50) - percentile(d, 50);
    const added99 = percentile(p, 99) - percentile(d, 99);

    await load({ url: direct, duration: 1, connections: 20 });
    const dl = await load({ url: direct, connections: 20 });
    await load({ url: viaProxy, duration: 1, connections: 20, headers: auth });
    const pl = await load({ url: viaProxy, connections: 20, headers: auth });
    if (pl.non2xx || pl.errors)
      throw new Error(`proxy load had ${pl.non2xx} non-2xx and ${pl.errors} errors`);

    return [
      figure('proxy p50 (sequential)', percentile(p, 50), 'ms', ['upstream direct p50', percentile(d, 50)]),
      { ...figure('proxy added p50', added50, 'ms'), goal: '< 5 ms', pass: added50 < 5 },
      figure('proxy p99 (sequential)', percentile(p, 99), 'ms', ['upstream direct p99', percentile(d, 99)]),
      figure('proxy added p99', added99, 'ms'),
      {
        ...figure('proxy req/s (20 connections)', pl.rps, 'req/s', ['upstream direct req/s', dl.rps]),
        ratio: pl.rps / dl.rps,
      },
      figure('proxy p99 under load (20 connections)', pl.p99, 'ms', [
        'upstream direct p99 under load',
        dl.p99,
      ]),
    ];
  } finally {
    await local.stop();
    await upstream.stop();
  }
}

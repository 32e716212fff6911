/**
 * GET /connections/{id}/access-token latency through the local runtime on dynalite, sequential
 * requests with a scoped API key: with a fresh token (one DynamoDB read, cached JWE open) and
 * with a refresh each time (lease, token call to a local endpoint, versioned write). Baseline:
 * GET /health through the same runtime in the same run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocal } from '../../infra/local/server.js';
import { connectionIdFor } from '../../shared/connections/flow.js';
import { getFreshAccessToken } from '../../shared/connections/tokens.js';
import { figure, percentile, timed } from './lib.js';
import type { BenchResult } from './run.js';

export default async function (): Promise<BenchResult[]> {
  process.env.HOOKBRIDGE_LOG_LEVEL = 'warn';
  const dir = await mkdtemp(join(tmpdir(), 'hb-bench-conn-'));
  let n = 0;
  const tokenEndpoint = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: `at-${++n}`,
          token_type: 'Bearer',
          expires_in: 3600,
          refresh_token: `rt-${n}`,
        }),
      );
    });
  });
  await new Promise<void>((r) => tokenEndpoint.listen(0, '127.0.0.1', () => r()));
  const stubUrl = `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}`;
  const secretsFile = join(dir, 'secrets.json');
  await writeFile(
    secretsFile,
    JSON.stringify({ 'hookbridge/oauth/bench': { clientId: 'c', clientSecret: 's' } }),
  );
  // The stub is on loopback: only the local-mode test allow list lets the SSRF guard reach it.
  const rt = await startLocal({
    port: 0,
    secretsFile,
    apiKey: 'bench-admin-key-0123456789',
    env: { HOOKBRIDGE_TEST_ALLOW_HOSTS: new URL(stubUrl).host },
  });
  try {
    const admin = { authorization: `Bearer ${rt.apiKey}`, 'content-type': 'application/json' };
    await fetch(`${rt.url}/integrations/bench`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        type: 'oauth',
        provider: 'oauth2',
        authorizationUrl: `${stubUrl}/a`,
        tokenUrl: `${stubUrl}/token`,
        allowedReturnUrls: ['https://app.example.com/'],
      }),
    });
    const { key } = (await (
      await fetch(`${rt.url}/api-keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'bench', scopes: ['connections:token'] }),
      })
    ).json()) as { key: string };
    const deps = rt.container.connections;
    const vault = await deps.vault();
    const id = connectionIdFor('bench', 'user-1');
    const now = Date.now();
    await deps.store.save(
      {
        id,
        integrationId: 'bench',
        provider: 'oauth2',
        endUserId: 'user-1',
        status: 'active',
        scopes: [],
        metadata: {},
        providerMetadata: {},
        tokens: await vault.seal({ accessToken: 'at-0', refreshToken: 'rt-0', tokenType: 'Bearer' }),
        kid: vault.currentKid,
        hasRefreshToken: true,
        expiresAt: now + 3_600_000,
        version: 1,
        refreshFailures: 0,
        createdAt: new Date(now).toISOString(),
        updatedAt: new Date(now).toISOString(),
      },
      undefined,
    );
    const headers = { authorization: `Bearer ${key}` };
    const get = async (path: string) => {
      const res = await fetch(`${rt.url}${path}`, { headers });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    await timed(200, () => get('/health'));
    await timed(200, () => get(`/connections/${id}/access-token`));
    const health = await timed(1000, () => get('/health'));
    const hit = await timed(1000, () => get(`/connections/${id}/access-token`));
    const core = await timed(2000, () => getFreshAccessToken(deps, id));
    const expireSoon = () =>
      rt.container.table.ddb.send(
        new UpdateCommand({
          TableName: rt.table,
          Key: { pk: `conn#${id}`, sk: 'conn' },
          // An hour-long token in its last second: inside the refresh margin.
          UpdateExpression: 'SET expiresAt = :e, tokenIssuedAt = :i',
          ExpressionAttributeValues: { ':e': Date.now() + 1000, ':i': Date.now() + 1000 - 3_600_000 },
        }),
      );
    const before = n;
    const refresh = await timed(200, () => get(`/connections/${id}/access-token`), expireSoon);
    if (n - before !== 200) throw new Error(`expected 200 refreshes, saw ${n - before}`);
    const p99hit = percentile(hit, 99);
    const healthP99 = percentile(health, 99);
    return [
      figure('access-token cache hit p50', percentile(hit, 50), 'ms', [
        'GET /health p50',
        percentile(health, 50),
      ]),
      {
        ...figure('access-token cache hit p99', p99hit, 'ms', ['GET /health p99', healthP99]),
        ratio: p99hit / healthP99,
        goal: '< 5 ms p99',
        pass: p99hit < 5,
      },
      figure('getFreshAccessToken (in-process) cache hit p50', percentile(core, 50), 'ms'),
      figure('getFreshAccessToken (in-process) cache hit p99', percentile(core, 99), 'ms'),
      figure('access-token with refresh p50', percentile(refresh, 50), 'ms', [
        'cache hit p50',
        percentile(hit, 50),
      ]),
      figure('access-token with refresh p99', percentile(refresh, 99), 'ms', ['cache hit p99', p99hit]),
    ];
  } finally {
    await rt.close();
    await new Promise<void>((r) => tokenEndpoint.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  }
}

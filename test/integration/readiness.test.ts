import { writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalOptions, type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { TEST_ADMIN_KEY, tempDir } from '../support/local-runtime.js';
import { expectProblem } from '../support/problem.js';

// Each test starts (and closes) its own runtime, so no test depends on another's outage.
let rt: LocalRuntime | undefined;
let cleanup: (() => Promise<void>) | undefined;

async function start(opts: LocalOptions = {}): Promise<LocalRuntime> {
  const temp = await tempDir('hb-ready-');
  cleanup = temp.remove;
  rt = await startLocal({
    port: 0,
    secretsFile: join(temp.dir, 'secrets.json'),
    apiKey: TEST_ADMIN_KEY,
    ...opts,
  });
  return rt;
}

afterEach(async () => {
  await rt?.close();
  await cleanup?.();
  rt = undefined;
  cleanup = undefined;
});

describe('GET /health/ready', () => {
  it('answers 200 ready when the store and the secret store answer', async () => {
    const r = await start();
    const res = await fetch(`${r.url}/health/ready`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ status: 'ready', checks: { store: 'ok', secrets: 'ok' } });
    // Nothing of the secret it read is shown.
    expect(JSON.stringify(body)).not.toContain(TEST_ADMIN_KEY);
  });

  it('answers 503 naming the store when the store is down, while /health stays 200', async () => {
    const r = await start();
    await r.stopStore();
    const started = Date.now();
    const res = await fetch(`${r.url}/health/ready`);
    const body = await expectProblem(res, 503, 'store_unavailable');
    expect(body.checks).toEqual({ store: 'down', secrets: 'ok' });
    expect(Date.now() - started).toBeLessThan(4000);
    expect((await fetch(`${r.url}/health`)).status).toBe(200);
  });

  it('answers 503 naming the secrets when the secrets file is broken', async () => {
    const r = await start();
    await writeFile(r.secretsFile, '{ not json');
    const res = await fetch(`${r.url}/health/ready`);
    const body = await expectProblem(res, 503, 'secrets_unavailable');
    expect(body.checks).toEqual({ store: 'ok', secrets: 'down' });
    expect(JSON.stringify(body)).not.toContain('not json');
  });
});

describe('the local gateway', () => {
  it("ends a request the function never answers with a 504 problem at the gateway's timeout", async () => {
    const r = await start({ gatewayTimeoutMs: 300 });
    // A function that hangs (as one waiting on a hung store would).
    r.handlers.set('meta', () => new Promise(() => {}));
    const started = Date.now();
    const res = await fetch(`${r.url}/health`);
    await expectProblem(res, 504, 'upstream_timeout');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(5000);
    // Other functions still answer.
    const keys = await fetch(`${r.url}/api-keys`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(keys.status).toBe(200);
  });

  it('ends a request held by a store that never answers with a 504, and /health/ready says the store is down', async () => {
    // A store that accepts connections and never answers (a hung DynamoDB).
    const held: Socket[] = [];
    const blackHole = createServer((socket) => held.push(socket));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await start({ gatewayTimeoutMs: 3000 });
      const { port } = blackHole.address() as { port: number };
      r.configure({}, { HOOKBRIDGE_DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}` });
      const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
      const [keys, ready] = await Promise.all([
        fetch(`${r.url}/api-keys`, { headers: auth }),
        fetch(`${r.url}/health/ready`),
      ]);
      await expectProblem(keys, 504, 'upstream_timeout');
      expect((await expectProblem(ready, 503, 'store_unavailable')).checks).toEqual({
        store: 'down',
        secrets: 'ok',
      });
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => blackHole.close(() => r()));
    }
  });
});

import { writeFile } from 'node:fs/promises';
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

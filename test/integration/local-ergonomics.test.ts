/**
 * The local runtime's ergonomics, in process: an edited secrets file applies to the next request
 * (no cache delay, "missing" results included), a broken one is named (never shown), and loopback
 * destinations pass only when HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK is on (npm start turns it on); when
 * refused, the problem says how to allow them.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { signWebhook } from '../../infra/local/webhook-signers.js';
import { TEST_ADMIN_KEY as API_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';

let rt: LocalRuntime;
let temp: TempSecrets;
let secretsFile: string;
let receiver: Server;
let receiverUrl: string;
const received: string[] = [];

const post = (path: string, secret: string) => {
  const signed = signWebhook('stripe', { url: `${rt.url}${path}`, secret: { secrets: [secret] } });
  return fetch(`${rt.url}${path}`, { method: 'POST', headers: signed.headers, body: signed.body });
};
const editSecrets = async (change: (all: Record<string, unknown>) => void) => {
  const all = JSON.parse(await readFile(secretsFile, 'utf8')) as Record<string, unknown>;
  change(all);
  await writeFile(secretsFile, JSON.stringify(all));
};
const putDestination = (id: string, url: string) =>
  fetch(`${rt.url}/destinations/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url, types: ['*'] }),
  });

beforeAll(async () => {
  temp = await writeTempSecrets('hb-ergonomics-', {
    'hookbridge/webhooks/stripe': { secrets: ['whsec_old_0123456789'] },
  });
  secretsFile = temp.secretsFile;
  rt = await startLocal({ port: 0, secretsFile, apiKey: API_KEY });
  receiver = createServer((req, res) => {
    received.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await rt?.close();
  await new Promise((r) => receiver?.close(r));
  await temp?.remove();
});

describe('the secrets file, edited under a running runtime', () => {
  // Each test edits the file from the same start, and leaves it as it found it.
  let original = '';
  beforeEach(async () => {
    original = await readFile(secretsFile, 'utf8');
  });
  afterEach(async () => {
    await writeFile(secretsFile, original);
  });

  it('a rotated webhook secret is accepted at once and the removed one refused', async () => {
    expect((await post('/webhooks/stripe', 'whsec_old_0123456789')).status).toBe(200);
    await editSecrets((all) => {
      all['hookbridge/webhooks/stripe'] = { secrets: ['whsec_new_0123456789'] };
    });
    expect((await post('/webhooks/stripe', 'whsec_new_0123456789')).status).toBe(200);
    expect((await post('/webhooks/stripe', 'whsec_old_0123456789')).status).toBe(401);
  });

  it('a source added after a "missing" answer works on the next request, and a removed one is gone', async () => {
    expect((await post('/webhooks/stripe/eu', 'whsec_eu_0123456789')).status).toBe(404);
    await editSecrets((all) => {
      all['hookbridge/webhooks/stripe/eu'] = { secrets: ['whsec_eu_0123456789'] };
    });
    expect((await post('/webhooks/stripe/eu', 'whsec_eu_0123456789')).status).toBe(200);
    await editSecrets((all) => {
      delete all['hookbridge/webhooks/stripe/eu'];
    });
    expect((await post('/webhooks/stripe/eu', 'whsec_eu_0123456789')).status).toBe(404);
  });

  it('a broken file is a 503 naming the file, never its contents; fixing it applies at once', async () => {
    const good = await readFile(secretsFile, 'utf8');
    await writeFile(secretsFile, `${good.slice(0, -1)}, "hookbridge/x": whsec_leak}`);
    const res = await post('/webhooks/stripe', 'whsec_old_0123456789');
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'secrets_unavailable' });
    expect(text).toContain(secretsFile);
    expect(text).not.toMatch(/whsec_/);
    await writeFile(secretsFile, good);
    expect((await post('/webhooks/stripe', 'whsec_old_0123456789')).status).toBe(200);
  });
});

describe('loopback destinations', () => {
  it('are refused by default, with a detail saying how to allow them locally', async () => {
    const res = await putDestination('local-refused', receiverUrl);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { reason: string; detail: string };
    expect(body.reason).toBe('scheme');
    expect(body.detail).toMatch(/must be https.*HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK=true/);
    // A public host is not given the local hint.
    const remote = (await (await putDestination('remote', 'http://hooks.example.com/x')).json()) as {
      detail: string;
    };
    expect(remote.detail).not.toContain('HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK');
  });

  it('pass under HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK, and an event is delivered there', async () => {
    rt.configure({}, { HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true' });
    try {
      expect((await putDestination('local-ok', receiverUrl)).status).toBe(201);
      expect((await post('/webhooks/stripe', 'whsec_old_0123456789')).status).toBe(200);
      await rt.pipeline.idle();
      expect(received).toContain('/hook');
      // Loopback only: a private address is still refused.
      expect((await putDestination('private', 'http://10.0.0.1:4000/x')).status).toBe(400);
    } finally {
      rt.configure({}, { HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'false' });
    }
  });
});

/**
 * POST /webhooks/paypal[/{sourceId}] through the local runtime. The certificate chain and the
 * PayPal API are local stand-ins (see test/support/paypal-standin.ts), reachable only through the
 * test-only allow list and trusted only through the test-only root, both local-mode settings.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { makeStandInChain, paypalHeaders, type StandInChain } from '../support/paypal-standin.js';

const ADMIN = TEST_ADMIN_KEY;
const WEBHOOK_ID = 'WH-STANDIN-7';
let rt: LocalRuntime;
let temp: TempSecrets;
let chain: StandInChain;
let standIn: Server;
let base = '';
let verifyCalls = 0;

const eventBody = (id: string) =>
  JSON.stringify({
    id,
    event_type: 'PAYMENT.CAPTURE.COMPLETED',
    create_time: '2026-11-26T10:00:00Z',
    resource: { id: 'CAP-9' },
  });

const post = async (path: string, body: string, headers: Record<string, string>) => {
  const res = await fetch(`${rt.url}${path}`, { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  chain = makeStandInChain();
  standIn = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/certs/CERT-1') return res.end(chain.leafPem + chain.rootPem);
      if (req.url === '/certs/DOWN') return res.writeHead(503).end();
      if (req.url === '/v1/oauth2/token')
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"access_token":"A21-x","expires_in":3600}');
      if (req.url === '/v1/notifications/verify-webhook-signature') {
        verifyCalls++;
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"verification_status":"SUCCESS"}');
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', () => r()));
  const hostPort = `127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  base = `http://${hostPort}`;
  temp = await writeTempSecrets('hb-paypal-', {
    'hookbridge/webhooks/paypal': { secrets: [WEBHOOK_ID] },
    // The README's alias for a single webhook id.
    'hookbridge/webhooks/paypal/alias': { webhookId: WEBHOOK_ID },
    'hookbridge/webhooks/paypal/api-src': {
      secrets: [WEBHOOK_ID],
      mode: 'api',
      clientId: 'pp-id',
      clientSecret: 'pp-secret',
      apiBaseUrl: base,
    },
  });
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: ADMIN,
    env: {
      HOOKBRIDGE_TEST_ALLOW_HOSTS: hostPort,
      HOOKBRIDGE_TEST_TRUST_ROOT_PEM: chain.rootPem,
      HOOKBRIDGE_LOG_LEVEL: 'warn',
    },
  });
});

afterAll(async () => {
  await rt?.close();
  standIn?.closeAllConnections();
  await new Promise<void>((r) => (standIn ? standIn.close(() => r()) : r()));
  await temp?.remove();
});

const expectAnswer = (
  res: Awaited<ReturnType<typeof post>>,
  status: number,
  body: Record<string, unknown>,
) => {
  expect(res.status).toBe(status);
  expect(res.json).toMatchObject(body);
};

const headersFor = (body: string, over: Partial<Parameters<typeof paypalHeaders>[0]> = {}) =>
  paypalHeaders({
    body,
    webhookId: WEBHOOK_ID,
    keyPem: chain.leafKeyPem,
    certUrl: `${base}/certs/CERT-1`,
    ...over,
  });

/** POSTs the event `id`, signed (with `over` changed), to `path`. */
const postEvent = (
  id: string,
  path = '/webhooks/paypal',
  over: Partial<Parameters<typeof paypalHeaders>[0]> = {},
) => {
  const body = eventBody(id);
  return post(path, body, headersFor(body, over));
};

describe('POST /webhooks/paypal', () => {
  it('offline: a valid transmission is stored once; a redelivery is a duplicate', async () => {
    const body = eventBody('WH-1');
    const h = headersFor(body);
    const first = await post('/webhooks/paypal', body, h);
    expectAnswer(first, 200, { status: 'stored' });
    const again = await post('/webhooks/paypal', body, h);
    expect(again.json).toMatchObject({ status: 'duplicate', id: first.json.id });
    const detail = await fetch(`${rt.url}/events/${first.json.id as string}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ provider: 'paypal', type: 'PAYMENT.CAPTURE.COMPLETED' });
  });

  it('tampered body: 401 bad_signature, nothing stored', async () => {
    const stored = async () => {
      const list = await fetch(`${rt.url}/events?provider=paypal&limit=200`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      return ((await list.json()) as { items: unknown[] }).items.length;
    };
    // Other tests store PayPal events of their own: this one adds none.
    const before = await stored();
    const body = eventBody('WH-2');
    const res = await post('/webhooks/paypal', body.replace('CAP-9', 'CAP-0'), headersFor(body));
    expectAnswer(res, 401, { code: 'bad_signature' });
    expect(await stored()).toBe(before);
  });

  it('cert URL on a host that is not PayPal: 401', async () => {
    const res = await postEvent('WH-3', '/webhooks/paypal', { certUrl: 'https://certs.evil.example/CERT-1' });
    expectAnswer(res, 401, { code: 'bad_signature' });
  });

  it('a source written with the webhookId alias verifies', async () => {
    const res = await postEvent('WH-6', '/webhooks/paypal/alias');
    expectAnswer(res, 200, { status: 'stored' });
  });

  it('a cert URL PayPal answers 404 is 401 bad_signature; a 5xx is 502 so PayPal retries', async () => {
    const gone = await postEvent('WH-7', '/webhooks/paypal', { certUrl: `${base}/certs/GONE` });
    expectAnswer(gone, 401, { code: 'bad_signature' });
    const down = await postEvent('WH-7', '/webhooks/paypal', { certUrl: `${base}/certs/DOWN` });
    expectAnswer(down, 502, { code: 'upstream_error' });
  });

  it('stale transmission time: 401 stale_timestamp', async () => {
    const res = await postEvent('WH-4', '/webhooks/paypal', { time: new Date(Date.now() - 3600_000) });
    expectAnswer(res, 401, { code: 'stale_timestamp' });
  });

  it('api mode (a source): verified by the stand-in PayPal API', async () => {
    const res = await postEvent('WH-5', '/webhooks/paypal/api-src');
    expectAnswer(res, 200, { status: 'stored' });
    expect(verifyCalls).toBe(1);
  });
});

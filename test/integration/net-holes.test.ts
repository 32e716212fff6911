/**
 * Issue 12, "a net without holes": each test here fails for one mutation that the rest of the
 * suite let through (a mutation probe found them): the proxy's Retry-After cap, per-route scopes
 * over HTTP, the lease-owner condition on the refresh write, the 400 for a signed webhook without
 * an event id, the streamed 413, and `proxy-authorization` kept out of stored headers.
 * (The route table itself is written out in test/unit/route-scopes.test.ts; the secret re-read
 * throttle is in test/integration/secret-reread-throttle.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { signWebhook } from '../../infra/local/webhook-signers.js';
import { LEASE_MS } from '../../shared/connections/refresh.js';
import { eventIdFor } from '../../shared/events/record.js';
import { apiCaller, rawRequest } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { expectProblem } from '../support/problem.js';
import { seedConnection } from '../support/seed-connection.js';

const ADMIN = TEST_ADMIN_KEY;
const SOURCE = 'net-holes';
const STRIPE = { secrets: ['whsec_net_holes_0123456789abcdef'] };
const GITHUB = { secrets: ['gh-net-holes-1'] };

let rt: LocalRuntime;
let temp: TempSecrets;
let upstream: Server;
let upHost = '';
let hits: string[] = [];
/** How the stand-in token endpoint answers the next refresh. */
let tokenEndpoint: (res: ServerResponse) => Promise<void> | void;
const api = apiCaller(() => rt.url, ADMIN);

const json = (res: ServerResponse, status: number, v: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(v));

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push(req.url!);
      if (req.url === '/oauth/token') return void tokenEndpoint(res);
      // Between the cap (5 s by default) and the deadline (25 s).
      if (req.url === '/api/wait-6') return json(res, 429, { error: 'slow down' }, { 'retry-after': '6' });
      json(res, 404, { error: 'no such path' });
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  upHost = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  temp = await writeTempSecrets('hb-net-holes-', {
    [`hookbridge/webhooks/stripe/${SOURCE}`]: STRIPE,
    [`hookbridge/webhooks/github/${SOURCE}`]: GITHUB,
    'hookbridge/apikeys/nh-key': { apiKey: 'sk_net_holes' },
    'hookbridge/oauth/nh-oauth': { clientId: 'cid', clientSecret: 'csecret' },
  });
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: ADMIN,
    env: { HOOKBRIDGE_TEST_ALLOW_HOSTS: upHost, HOOKBRIDGE_LOG_LEVEL: 'warn' },
  });
  const put = (id: string, config: unknown) =>
    rt.container.connections.integrations.put(
      id,
      rt.container.connections.integrationSchema.parse(config),
      new Date().toISOString(),
    );
  await put('nh-key', { type: 'api-key', baseUrl: `http://${upHost}/api`, allowedHosts: [upHost] });
  await put('nh-oauth', {
    type: 'oauth',
    provider: 'oauth2',
    authorizationUrl: `http://${upHost}/oauth/authorize`,
    tokenUrl: `http://${upHost}/oauth/token`,
    allowedReturnUrls: ['http://127.0.0.1/done'],
  });
});

afterAll(async () => {
  await rt?.close();
  upstream?.closeAllConnections();
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
  await temp?.remove();
});

beforeEach(() => {
  hits = [];
});

const asAdmin = (path: string, init: RequestInit = {}) =>
  fetch(`${rt.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...init.headers } });

/** The events stored for this file's sources, newest first. */
const storedIds = async (provider: string) => {
  const list = await api('GET', `/events?provider=${provider}&source=${SOURCE}&limit=200`);
  expect(list.status).toBe(200);
  return (list.json!.items as { id: string }[]).map((i) => i.id);
};

describe('the proxy’s Retry-After cap', () => {
  it('a Retry-After over the cap but inside the deadline comes back at once as 429, sent once', async () => {
    const t0 = Date.now();
    const res = await asAdmin('/proxy/integrations/nh-key/wait-6');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('6');
    expect(await res.json()).toEqual({ error: 'slow down' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(hits).toEqual(['/api/wait-6']);
  });
});

describe('per-route scopes over HTTP', () => {
  let keys: Record<string, string>;
  beforeAll(async () => {
    keys = {};
    for (const scope of ['events:read', 'proxy']) {
      const created = await api('POST', '/api-keys', { name: `nh-${scope}`, scopes: [scope] });
      expect(created.status).toBe(201);
      keys[scope] = created.json!.key as string;
    }
  });

  it.each([
    ['events:read', 'GET', '/proxy/integrations/nh-key/anything', 'proxy'],
    ['events:read', 'GET', '/proxy/some-connection/anything', 'proxy'],
    ['events:read', 'GET', '/connections/con_x/access-token', 'connections:token'],
    ['events:read', 'PUT', '/destinations/nh-dest', 'destinations:write'],
    ['events:read', 'POST', '/events/evt_x/replay', 'events:replay'],
    ['events:read', 'GET', '/payments/pay_x', 'payments:read'],
    ['events:read', 'PUT', '/integrations/nh-new', 'integrations:write'],
    ['events:read', 'GET', '/api-keys', 'admin'],
    ['proxy', 'GET', '/events', 'events:read'],
    ['proxy', 'GET', '/events/evt_x/deliveries', 'events:read'],
    ['proxy', 'GET', '/connections', 'connections:read'],
  ])(
    'a key with only %s: %s %s is 403 requiring %s, and nothing is sent upstream',
    async (held, method, path, needed) => {
      const res = await fetch(`${rt.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${keys[held]}`, 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : '{}',
      });
      const body = await expectProblem(res, 403, 'insufficient_scope');
      expect(body.requiredScope).toBe(needed);
      expect(hits).toEqual([]);
    },
  );

  it('each key passes the routes of its own scope', async () => {
    expect((await api('GET', '/events', undefined, keys['events:read'])).status).toBe(200);
    const proxied = await fetch(`${rt.url}/proxy/integrations/nh-key/wait-6`, {
      headers: { authorization: `Bearer ${keys.proxy}` },
    });
    expect(proxied.status).toBe(429);
    expect(hits).toEqual(['/api/wait-6']);
  });
});

describe('the refresh write is conditional on the lease owner', () => {
  /** An expired connection; the token endpoint first lets another process take the lease. */
  async function expiredConnectionLosingItsLease(answer: (res: ServerResponse) => void) {
    const id = `con_nh_${randomUUID().slice(0, 8)}`;
    expect(
      await seedConnection(rt, {
        id,
        integrationId: 'nh-oauth',
        provider: 'oauth2',
        expiresAt: Date.now() - 1,
      }),
    ).toBe(true);
    const store = rt.container.connections.store;
    tokenEndpoint = async (res) => {
      // Our lease has (as far as the store can tell) run out: another owner takes it.
      expect(await store.acquireLease(id, 'other-owner', Date.now() + LEASE_MS + 1, LEASE_MS)).toBe(true);
      answer(res);
    };
    return id;
  }

  it('a refresh that lost its lease keeps its tokens but leaves the other owner’s lease alone', async () => {
    const id = await expiredConnectionLosingItsLease((res) =>
      json(res, 200, { access_token: 'fresh-token', token_type: 'Bearer', expires_in: 3600 }),
    );
    const res = await api('GET', `/connections/${id}/access-token`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ accessToken: 'fresh-token' });
    expect(await rt.container.connections.store.get(id)).toMatchObject({
      version: 2,
      leaseOwner: 'other-owner',
      leaseUntil: expect.any(Number),
    });
  });

  it('a failed refresh that lost its lease writes nothing: no failure counted, the other lease kept', async () => {
    const id = await expiredConnectionLosingItsLease((res) => json(res, 400, { error: 'invalid_grant' }));
    const res = await api('GET', `/connections/${id}/access-token`);
    expect(res).toMatchObject({ status: 502, json: { code: 'token_exchange_failed' } });
    const stored = await rt.container.connections.store.get(id);
    expect(stored).toMatchObject({ version: 1, refreshFailures: 0, leaseOwner: 'other-owner' });
    expect(stored?.lastError).toBeUndefined();
  });
});

describe('webhooks', () => {
  const url = (provider: string) => `${rt.url}/webhooks/${provider}/${SOURCE}`;
  const send = (provider: string, signed: { headers: Record<string, string>; body: string }) =>
    fetch(url(provider), { method: 'POST', headers: signed.headers, body: signed.body });

  it('a correctly signed Stripe event without an id is 400 invalid_request, stored nothing', async () => {
    const body = JSON.stringify({ type: 'charge.succeeded', created: 1, data: {} });
    const signed = signWebhook('stripe', { url: url('stripe'), secret: STRIPE, body });
    const problem = await expectProblem(await send('stripe', signed), 400, 'invalid_request');
    expect(problem.detail).toBe('the event has no id');
    expect(await storedIds('stripe')).toEqual([]);
  });

  it('a correctly signed GitHub delivery without X-GitHub-Delivery is 400 invalid_request', async () => {
    const signed = signWebhook('github', { url: url('github'), secret: GITHUB, id: 'nh-no-delivery' });
    const { 'x-github-delivery': _dropped, ...headers } = signed.headers;
    const problem = await expectProblem(await send('github', { ...signed, headers }), 400, 'invalid_request');
    expect(problem.detail).toBe('X-GitHub-Delivery is missing');
    expect((await api('GET', `/events/${eventIdFor('github', SOURCE, 'nh-no-delivery')}`)).status).toBe(404);
  });

  it('drops Proxy-Authorization from the stored headers, keeping the rest', async () => {
    const signed = signWebhook('github', { url: url('github'), secret: GITHUB });
    const res = await rawRequest(
      url('github'),
      {
        method: 'POST',
        headers: { ...signed.headers, 'proxy-authorization': 'Basic cHJveHk6c2VjcmV0LXByb3h5' },
      },
      signed.body,
    );
    expect(res.status).toBe(200);
    const detail = await api('GET', `/events/${(JSON.parse(res.body) as { id: string }).id}`);
    const headers = detail.json!.headers as Record<string, string>;
    expect(headers['x-github-delivery']).toBe(signed.headers['x-github-delivery']);
    expect(headers['x-hub-signature-256']).toBe(signed.headers['x-hub-signature-256']);
    expect(headers).not.toHaveProperty('proxy-authorization');
    expect(JSON.stringify(detail.json)).not.toContain('cHJveHk6c2VjcmV0LXByb3h5');
  });

  it('a streamed body (chunked, no Content-Length) over 10 MB is 413, stored nothing', async () => {
    const signed = signWebhook('stripe', { url: url('stripe'), secret: STRIPE, id: 'nh-streamed' });
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request(url('stripe'), { method: 'POST', headers: signed.headers });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => {
          body += c.toString();
        });
        r.on('end', () =>
          resolve({ status: r.statusCode ?? 0, type: r.headers['content-type'] ?? '', body }),
        );
      });
      req.on('error', reject);
      const mb = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < 11; i++) req.write(mb);
      req.end(signed.body);
    });
    expect(res.status, res.body).toBe(413);
    expect(res.type).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(await storedIds('stripe')).toEqual([]);
  });
});

/**
 * The proxy through the local runtime, against real local HTTP servers that behave like
 * providers (an API, an OAuth token endpoint, a client-credentials token endpoint) and a canary
 * that must never be reached.
 */

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { rawRequest } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { expectProblem } from '../support/problem.js';
import { seedConnection } from '../support/seed-connection.js';

const ADMIN = TEST_ADMIN_KEY;
let temp: TempSecrets;
let rt: LocalRuntime;

interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let upstream: Server;
let canary: Server;
let up = '';
let upHost = '';
let canaryPort = 0;
let hits: Hit[] = [];
let canaryHits = 0;
const counters = new Map<string, number>();
let ccIssued = 0;

const bump = (key: string) => {
  const n = (counters.get(key) ?? 0) + 1;
  counters.set(key, n);
  return n;
};

function provider(req: IncomingMessage, body: string, res: import('node:http').ServerResponse) {
  const url = new URL(req.url!, 'http://x');
  const p = url.pathname;
  const jsonOut = (status: number, v: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(v));
  if (p === '/cc/token') {
    ccIssued++;
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (basic !== 'cid:csecret') return jsonOut(401, { error: 'invalid_client' });
    if (!body.includes('grant_type=client_credentials') || !body.includes('scope=read'))
      return jsonOut(400, { error: 'invalid_request' });
    return jsonOut(200, { access_token: `cc-token-${ccIssued}`, token_type: 'Bearer', expires_in: 1 });
  }
  if (p === '/oauth/token')
    return jsonOut(200, { access_token: 'fresh-token', token_type: 'Bearer', expires_in: 3600 });
  if (p.startsWith('/api/echo') || p.startsWith('/cc/api/echo'))
    return jsonOut(
      200,
      { method: req.method, url: req.url, authorization: req.headers.authorization ?? null, body },
      {
        'set-cookie': 'session=provider-secret',
        'www-authenticate': 'Bearer realm="x"',
        'x-request-id': 'req-1',
        'x-private': 'hop',
        connection: 'x-private',
      },
    );
  if (p.startsWith('/api/flaky/')) {
    return bump(p) <= 2
      ? jsonOut(500, { error: 'boom' })
      : jsonOut(200, { ok: true, attempt: counters.get(p) });
  }
  if (p.startsWith('/api/limited/'))
    return bump(p) === 1
      ? jsonOut(429, { error: 'slow down' }, { 'retry-after': '1' })
      : jsonOut(200, { ok: true });
  if (p === '/api/limited-long')
    return jsonOut(429, { error: 'come back in an hour' }, { 'retry-after': '3600' });
  if (p === '/api/slow') {
    setTimeout(() => jsonOut(200, { late: true }), 4000);
    return;
  }
  if (p === '/api/redirect')
    return res.writeHead(302, { location: `http://127.0.0.1:${canaryPort}/latest/meta-data` }).end();
  if (p === '/api/needs-fresh')
    return req.headers.authorization === 'Bearer fresh-token'
      ? jsonOut(200, { ok: true })
      : jsonOut(401, { error: 'expired' });
  jsonOut(404, { error: 'no such path' });
}

const call = (path: string, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${ADMIN}`);
  return fetch(`${rt.url}${path}`, { ...init, headers });
};

async function listen(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
}

const putConnection = async (
  id: string,
  integrationId: string,
  provider: string,
  providerMetadata: Record<string, unknown>,
) => expect(await seedConnection(rt, { id, integrationId, provider, providerMetadata })).toBe(true);

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      hits.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      provider(req, body, res);
    });
  });
  canary = createServer((_req, res) => {
    canaryHits++;
    res.end('should never be reached');
  });
  const port = await listen(upstream);
  canaryPort = await listen(canary);
  upHost = `127.0.0.1:${port}`;
  up = `http://${upHost}`;

  temp = await writeTempSecrets('hb-proxy-', {
    'hookbridge/apikeys/int-key': { apiKey: 'sk_test_key_123' },
    'hookbridge/apikeys/int-basic': { username: 'user', password: 'pass' },
    'hookbridge/apikeys/int-header': '{"apiKey":"hdr-key-9"}',
    'hookbridge/apikeys/int-undeclared': { apiKey: 'sk_never_sent' },
    'hookbridge/apikeys/int-offline-keyed': { apiKey: 'sk_offline' },
    'hookbridge/apikeys/int-key-placeholder': { apiKey: 'REPLACE_ME' },
    'hookbridge/oauth/int-cc-placeholder': { clientId: 'REPLACE_ME', clientSecret: 'REPLACE_ME' },
    'hookbridge/oauth/int-cc': { clientId: 'cid', clientSecret: 'csecret' },
    'hookbridge/oauth/int-oauth': { clientId: 'oid', clientSecret: 'osecret' },
    'hookbridge/oauth/int-sf': { clientId: 'sid', clientSecret: 'ssecret' },
  });
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: ADMIN,
    env: {
      HOOKBRIDGE_TEST_ALLOW_HOSTS: upHost,
      HOOKBRIDGE_PROXY_TIMEOUT_MS: '2500',
      HOOKBRIDGE_PROXY_BACKOFF_BASE_MS: '20',
      HOOKBRIDGE_LOG_LEVEL: 'warn',
    },
  });
  const integrations = rt.container.connections.integrations;
  const put = (id: string, config: unknown) =>
    integrations.put(id, rt.container.connections.integrationSchema.parse(config), new Date().toISOString());
  await put('int-key', { type: 'api-key', baseUrl: `${up}/api`, allowedHosts: [upHost] });
  await put('int-basic', { type: 'api-key', baseUrl: `${up}/api`, scheme: { type: 'basic' } });
  await put('int-header', {
    type: 'api-key',
    baseUrl: `${up}/api`,
    scheme: { type: 'header', name: 'X-Api-Key' },
  });
  await put('int-undeclared', { type: 'api-key', baseUrl: `http://127.0.0.1:${canaryPort}/api` });
  await put('int-key-placeholder', { type: 'api-key', baseUrl: `${up}/api`, allowedHosts: [upHost] });
  await put('int-cc-placeholder', {
    type: 'client-credentials',
    tokenUrl: `${up}/cc/token`,
    baseUrl: `${up}/cc/api`,
    allowedHosts: [upHost],
  });
  // Hosts that do not resolve (as offline); only int-offline-keyed has its secret.
  await put('int-offline', { type: 'api-key', baseUrl: 'https://api.offline.example/v1' });
  await put('int-offline-keyed', { type: 'api-key', baseUrl: 'https://api.offline.example/v1' });
  await put('int-offline-cc', {
    type: 'client-credentials',
    tokenUrl: 'https://auth.offline.example/token',
    baseUrl: 'https://api.offline.example/v1',
    allowedHosts: ['api.offline.example'],
  });
  await put('int-cc', {
    type: 'client-credentials',
    tokenUrl: `${up}/cc/token`,
    scopes: ['read'],
    baseUrl: `${up}/cc/api`,
    allowedHosts: [upHost],
  });
  await put('int-oauth', {
    type: 'oauth',
    provider: 'oauth2',
    authorizationUrl: `${up}/oauth/authorize`,
    tokenUrl: `${up}/oauth/token`,
    allowedReturnUrls: ['http://127.0.0.1/done'],
    api: { baseUrl: `${up}/api`, allowedHosts: [upHost] },
  });
  await put('int-sf', {
    type: 'oauth',
    provider: 'salesforce',
    allowedReturnUrls: ['http://127.0.0.1/done'],
  });
  await putConnection('con-oauth', 'int-oauth', 'oauth2', {});
  await putConnection('con-sf-loopback', 'int-sf', 'salesforce', { instance_url: 'https://127.0.0.1' });
  await putConnection('con-sf-metadata', 'int-sf', 'salesforce', { instance_url: 'https://169.254.169.254' });
  await putConnection('con-sf-zero', 'int-sf', 'salesforce', { instance_url: 'https://0.0.0.0' });
  await putConnection('con-sf-canary', 'int-sf', 'salesforce', {
    instance_url: `http://127.0.0.1:${canaryPort}`,
  });
  await putConnection('con-sf-decimal', 'int-sf', 'salesforce', { instance_url: 'https://2130706433' });
  await putConnection('con-sf-v6', 'int-sf', 'salesforce', { instance_url: 'https://[::ffff:7f00:1]' });
  await putConnection('con-sf-private', 'int-sf', 'salesforce', {
    instance_url: `https://evil.my.salesforce.com:${canaryPort}`,
  });
  await putConnection('con-sf-v6name', 'int-sf', 'salesforce', {
    instance_url: `https://v6.my.salesforce.com:${canaryPort}`,
  });
});

afterAll(async () => {
  await rt?.close();
  upstream?.closeAllConnections();
  canary?.closeAllConnections();
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
  await new Promise<void>((r) => (canary ? canary.close(() => r()) : r()));
  await temp?.remove();
});

beforeEach(() => {
  hits = [];
});

describe('API-key integrations', () => {
  it('forwards method, path, query and body; puts the key in the scheme; never forwards our API key', async () => {
    const res = await call('/proxy/integrations/int-key/echo/a%20b?x=1&y=2', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'mine=1', 'x-forwarded-host': 'evil' },
      body: '{"amount":100}',
    });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Record<string, unknown>;
    expect(echo).toEqual({
      method: 'POST',
      url: '/api/echo/a%20b?x=1&y=2',
      authorization: 'Bearer sk_test_key_123',
      body: '{"amount":100}',
    });
    expect(hits[0]!.headers.cookie).toBeUndefined();
    expect(hits[0]!.headers['x-forwarded-host']).toBeUndefined();
    // Provider auth, cookie and hop-by-hop headers are stripped; others pass.
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('x-private')).toBeNull();
    expect(res.headers.get('x-request-id')).toBe('req-1');
  });

  it('Basic and custom-header schemes', async () => {
    const basic = (await (await call('/proxy/integrations/int-basic/echo')).json()) as {
      authorization: string;
    };
    expect(basic.authorization).toBe(`Basic ${Buffer.from('user:pass').toString('base64')}`);
    await call('/proxy/integrations/int-header/echo');
    expect(hits.at(-1)!.headers['x-api-key']).toBe('hdr-key-9');
    expect(hits.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('unknown integration is 404; an OAuth integration is 400', async () => {
    await expectProblem(await call('/proxy/integrations/nope/echo'), 404, 'not_found');
    await expectProblem(await call('/proxy/integrations/int-oauth/echo'), 400, 'invalid_request');
  });

  it('needs an API key with the proxy scope', async () => {
    const res = await fetch(`${rt.url}/proxy/integrations/int-key/echo`);
    await expectProblem(res, 401, 'unauthorized');
    expect(hits).toHaveLength(0);
  });

  it('refuses dot segments that would climb out of the base path', async () => {
    // Sent raw: fetch would normalise the dot segments away before they reach us.
    const res = await rawRequest({
      host: '127.0.0.1',
      port: rt.port,
      path: '/proxy/integrations/int-key/%2e%2e/cc/token',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'invalid_request' });
    expect(hits).toHaveLength(0);
  });
});

describe('credentials are read before the host is resolved', () => {
  const lookups: string[] = [];
  beforeEach(() => {
    lookups.length = 0;
    rt.configure({
      resolver: async (host) => {
        lookups.push(host);
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    });
  });
  afterEach(() => rt.configure({ resolver: undefined }));

  it.each([
    ['int-offline', 'Secret hookbridge/apikeys/int-offline is missing or lacks "apiKey" or "username"'],
    [
      'int-offline-cc',
      'Secret hookbridge/oauth/int-offline-cc is missing or lacks "clientId" and "clientSecret"',
    ],
  ])(
    '%s without its secret is 500 misconfigured naming the secret, with no DNS lookup',
    async (id, detail) => {
      const body = await expectProblem(await call(`/proxy/integrations/${id}/x`), 500, 'misconfigured');
      expect(body.detail).toBe(detail);
      expect(lookups).toEqual([]);
    },
  );

  it('with the secret present, the unresolvable host is what fails (502), after one lookup', async () => {
    const body = await expectProblem(
      await call('/proxy/integrations/int-offline-keyed/x'),
      502,
      'upstream_error',
    );
    expect(lookups).toEqual(['api.offline.example']);
    expect(JSON.stringify(body)).not.toContain('sk_offline');
  });
});

describe('placeholder secrets', () => {
  it.each([
    ['int-key-placeholder', 'hookbridge/apikeys/int-key-placeholder', '{"apiKey":"…"}'],
    ['int-cc-placeholder', 'hookbridge/oauth/int-cc-placeholder', '{"clientId":"…","clientSecret":"…"}'],
  ])(
    '%s: 500 misconfigured naming the secret and the secrets file; nothing sent',
    async (id, name, example) => {
      const body = await expectProblem(await call(`/proxy/integrations/${id}/echo`), 500, 'misconfigured');
      expect(body.detail).toBe(
        `Secret ${name} still holds the placeholder REPLACE_ME; edit ${temp.secretsFile} and set "${name}" to ${example}`,
      );
      expect(hits).toHaveLength(0);
    },
  );
});

describe('politeness and reliability', () => {
  it('GET: 500 twice, then 200 after retries', async () => {
    const res = await call('/proxy/integrations/int-key/flaky/get-1');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-hookbridge-attempts')).toBe('3');
    expect(hits).toHaveLength(3);
  });

  it('POST without Idempotency-Key: sent once, the 500 passed back', async () => {
    const res = await call('/proxy/integrations/int-key/flaky/post-1', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'boom' });
    expect(hits).toHaveLength(1);
  });

  it('POST with Idempotency-Key: retried, with the key passed through', async () => {
    const res = await call('/proxy/integrations/int-key/flaky/post-2', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'charge-77' },
    });
    expect(res.status).toBe(200);
    expect(hits.map((h) => h.headers['idempotency-key'])).toEqual(['charge-77', 'charge-77', 'charge-77']);
  });

  it('429 with Retry-After: 1 waits, then succeeds', async () => {
    const t0 = Date.now();
    const res = await call('/proxy/integrations/int-key/limited/a');
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(hits).toHaveLength(2);
  });

  it('Retry-After: 3600 comes back at once as 429 with Retry-After', async () => {
    const t0 = Date.now();
    const res = await call('/proxy/integrations/int-key/limited-long');
    expect(Date.now() - t0).toBeLessThan(800);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3600');
    expect(hits).toHaveLength(1);
  });

  it('an upstream slower than the budget is a 504 problem', async () => {
    const t0 = Date.now();
    await expectProblem(await call('/proxy/integrations/int-key/slow'), 504, 'upstream_timeout');
    expect(Date.now() - t0).toBeLessThan(3500);
  });

  it('401: refreshes the connection token, then the retry succeeds', async () => {
    const res = await call('/proxy/con-oauth/needs-fresh');
    expect(res.status).toBe(200);
    expect(hits.map((h) => [h.url, h.headers.authorization ?? null])).toEqual([
      ['/api/needs-fresh', 'Bearer stale-token'],
      ['/oauth/token', expect.stringMatching(/^Basic /)],
      ['/api/needs-fresh', 'Bearer fresh-token'],
    ]);
  });
});

describe('client credentials', () => {
  it('caches the token, and fetches a new one after it expires', async () => {
    const issuedBefore = ccIssued;
    const a = (await (await call('/proxy/integrations/int-cc/echo')).json()) as { authorization: string };
    const b = (await (await call('/proxy/integrations/int-cc/echo')).json()) as { authorization: string };
    expect(a.authorization).toBe(`Bearer cc-token-${issuedBefore + 1}`);
    expect(b.authorization).toBe(a.authorization);
    expect(ccIssued).toBe(issuedBefore + 1);
    await new Promise((r) => setTimeout(r, 1100));
    const c = (await (await call('/proxy/integrations/int-cc/echo')).json()) as { authorization: string };
    expect(c.authorization).toBe(`Bearer cc-token-${issuedBefore + 2}`);
    expect(ccIssued).toBe(issuedBefore + 2);
  });
});

describe('SSRF: refused with 4xx, and no request leaves', () => {
  beforeEach(() => {
    canaryHits = 0;
  });

  it.each([
    ['con-sf-loopback', 'undeclared-host'],
    ['con-sf-metadata', 'undeclared-host'],
    ['con-sf-zero', 'undeclared-host'],
    // Not https, so not a URL placeholder value: it is escaped into the host and the URL is refused.
    ['con-sf-canary', 'invalid-base-url'],
    ['con-sf-decimal', 'undeclared-host'],
    ['con-sf-v6', 'undeclared-host'],
  ])('instance_url of %s', async (id, reason) => {
    const body = await expectProblem(await call(`/proxy/${id}/services/data`), 403, 'ssrf_blocked');
    expect(body.reason).toBe(reason);
    expect(canaryHits).toBe(0);
    expect(hits).toHaveLength(0);
  });

  it('a declared host name that resolves to a private or loopback address', async () => {
    rt.configure({
      resolver: async (host) =>
        host === 'evil.my.salesforce.com'
          ? [{ address: '10.0.0.5', family: 4 }]
          : host === 'v6.my.salesforce.com'
            ? [{ address: '::ffff:127.0.0.1', family: 6 }]
            : [],
    });
    try {
      const a = await expectProblem(await call('/proxy/con-sf-private/services/data'), 403, 'ssrf_blocked');
      expect(a.reason).toBe('private');
      const b = await expectProblem(await call('/proxy/con-sf-v6name/services/data'), 403, 'ssrf_blocked');
      expect(b.reason).toBe('loopback');
    } finally {
      rt.configure({ resolver: undefined });
    }
    expect(canaryHits).toBe(0);
  });

  it('an integration whose base URL is not test-allowed (loopback) is refused', async () => {
    const body = await expectProblem(await call('/proxy/integrations/int-undeclared/x'), 403, 'ssrf_blocked');
    expect(body.reason).toBe('scheme');
    expect(canaryHits).toBe(0);
  });

  it('a redirect to a private address is not followed', async () => {
    const res = await call('/proxy/integrations/int-key/redirect', { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(hits).toHaveLength(1);
    expect(canaryHits).toBe(0);
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HookbridgeError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/log.js';
import {
  backoffMs,
  type CredentialHeaders,
  type OutboundDeps,
  requestedWaitMs,
  sendWithPolicy,
} from '../../../shared/outbound/policy.js';
import { nodeTransport } from '../../../shared/outbound/transport.js';
import { pathTemplateOf } from '../../../shared/outbound/url.js';
import { loadProxyPolicy } from '../../../shared/proxy/config.js';

type Script = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server;
let port: number;
let script: Script;
let hits: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => script(req, res, hits.length));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  hits = [];
});

const lines: Record<string, unknown>[] = [];
const deps = (env: Record<string, string> = {}): OutboundDeps => ({
  transport: nodeTransport,
  resolver: async () => [{ address: '127.0.0.1', family: 4 }],
  policy: loadProxyPolicy({
    HOOKBRIDGE_LOCAL: 'true',
    HOOKBRIDGE_TEST_ALLOW_HOSTS: `127.0.0.1:${port}`,
    HOOKBRIDGE_PROXY_BACKOFF_BASE_MS: '10',
    ...env,
  }),
  now: Date.now,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: Math.random,
  log: createLogger({}, { write: (l) => lines.push(JSON.parse(l)) }),
});

const call = (method: string, headers: Record<string, string> = {}, auth?: CredentialHeaders) => ({
  method,
  url: new URL(`http://127.0.0.1:${port}/v1/things/42?x=1`),
  allowedHosts: ['127.0.0.1'],
  headers,
  body: method === 'POST' ? Buffer.from('{"a":1}') : undefined,
  auth,
  log: { provider: 'test', integrationId: 'int_1', pathTemplate: '/v1/things/{id}' },
});

const failTwiceThenOk: Script = (_req, res, n) => {
  if (n <= 2) res.writeHead(500).end('boom');
  else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
};

describe('sendWithPolicy against a real local server', () => {
  it('GET: 500 twice then 200 succeeds after retries', async () => {
    script = failTwiceThenOk;
    const res = await sendWithPolicy(call('GET'), deps());
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    expect(hits).toHaveLength(3);
  });

  it('POST without Idempotency-Key is sent once and the 500 is passed back', async () => {
    script = failTwiceThenOk;
    const res = await sendWithPolicy(call('POST'), deps());
    expect(res.status).toBe(500);
    expect(hits).toHaveLength(1);
  });

  it('POST with Idempotency-Key is retried, and the key passed through each time', async () => {
    script = failTwiceThenOk;
    const res = await sendWithPolicy(call('POST', { 'idempotency-key': 'k-1' }), deps());
    expect(res.status).toBe(200);
    expect(hits.map((h) => h.headers['idempotency-key'])).toEqual(['k-1', 'k-1', 'k-1']);
  });

  it('429 with Retry-After: 1 waits about a second, then succeeds', async () => {
    script = (_req, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.writeHead(200).end('ok');
    };
    const t0 = Date.now();
    const res = await sendWithPolicy(call('GET'), deps());
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(hits).toHaveLength(2);
  });

  it('429 with Retry-After: 3600 comes back at once, with Retry-After', async () => {
    script = (_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end('slow down');
    const t0 = Date.now();
    const res = await sendWithPolicy(call('GET'), deps());
    expect(Date.now() - t0).toBeLessThan(500);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('3600');
    expect(hits).toHaveLength(1);
  });

  it('429 with only a far rate-limit reset gets a Retry-After computed for the caller', async () => {
    script = (_req, res) =>
      res.writeHead(429, { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 120) }).end();
    const res = await sendWithPolicy(call('GET'), deps());
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(119);
    expect(hits).toHaveLength(1);
  });

  it('401: refreshes the credential once and the retry succeeds', async () => {
    script = (req, res) => {
      if (req.headers.authorization === 'Bearer fresh') res.writeHead(200).end('ok');
      else res.writeHead(401).end();
    };
    const asked: boolean[] = [];
    const auth = {
      headers: async ({ forceRefresh }: { forceRefresh: boolean }) => {
        asked.push(forceRefresh);
        return { authorization: `Bearer ${forceRefresh ? 'fresh' : 'stale'}` };
      },
    };
    const res = await sendWithPolicy(call('POST', {}, auth), deps());
    expect(res.status).toBe(200);
    expect(asked).toEqual([false, true]);
  });

  it('401 twice: refreshes only once, then passes the 401 back', async () => {
    script = (_req, res) => res.writeHead(401).end();
    const auth = { headers: async () => ({ authorization: 'Bearer x' }) };
    const res = await sendWithPolicy(call('GET', {}, auth), deps());
    expect(res.status).toBe(401);
    expect(hits).toHaveLength(2);
  });

  it('an upstream slower than the total timeout is a 504 upstream_timeout', async () => {
    script = (_req, res) => {
      setTimeout(() => res.writeHead(200).end('late'), 1500);
    };
    const t0 = Date.now();
    const err = await sendWithPolicy(call('GET'), deps({ HOOKBRIDGE_PROXY_TIMEOUT_MS: '300' })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(HookbridgeError);
    expect((err as HookbridgeError).code).toBe('upstream_timeout');
    expect((err as HookbridgeError).status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a request budget that started earlier (token fetch) ends the call sooner than the policy', async () => {
    script = (_req, res) => {
      setTimeout(() => res.writeHead(200).end('late'), 1500);
    };
    const d = deps({ HOOKBRIDGE_PROXY_TIMEOUT_MS: '5000' });
    const t0 = Date.now();
    const err = await sendWithPolicy({ ...call('GET'), deadline: d.now() + 300 }, d).catch((e) => e);
    expect((err as HookbridgeError).code).toBe('upstream_timeout');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a refused connection is retried for GET and then a 502', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const d = deps({ HOOKBRIDGE_TEST_ALLOW_HOSTS: `127.0.0.1:${deadPort}` });
    const err = await sendWithPolicy(
      { ...call('GET'), url: new URL(`http://127.0.0.1:${deadPort}/`) },
      d,
    ).catch((e) => e);
    expect((err as HookbridgeError).code).toBe('upstream_error');
    expect(lines.at(-1)).toMatchObject({ attempts: 3, outcome: 'upstream_error', status: 502 });
  });

  it('does not follow redirects', async () => {
    script = (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
    const res = await sendWithPolicy(call('GET'), deps());
    expect(res.status).toBe(302);
    expect(hits).toHaveLength(1);
  });

  it('logs one line per call with the template, never the credential', async () => {
    script = (_req, res) => res.writeHead(204).end();
    lines.length = 0;
    const auth = { headers: async () => ({ authorization: 'Bearer sk_live_secret123' }) };
    await sendWithPolicy(call('GET', {}, auth), deps());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'outbound call',
      provider: 'test',
      integrationId: 'int_1',
      method: 'GET',
      pathTemplate: '/v1/things/{id}',
      status: 204,
      attempts: 1,
    });
    expect(typeof lines[0]!.durationMs).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('sk_live_secret123');
  });
});

describe('helpers', () => {
  it('reads Retry-After in seconds and as a date, and reset headers', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(requestedWaitMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(requestedWaitMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now)).toBe(30_000);
    expect(requestedWaitMs({ 'ratelimit-reset': '12' }, now)).toBe(12_000);
    expect(requestedWaitMs({ 'x-ratelimit-reset': String(now / 1000 + 60) }, now)).toBe(60_000);
    expect(requestedWaitMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(requestedWaitMs({}, now)).toBeUndefined();
  });

  it('backs off exponentially with jitter inside [step/2, step]', () => {
    expect(backoffMs(1, 100, () => 0)).toBe(50);
    expect(backoffMs(1, 100, () => 1)).toBe(100);
    expect(backoffMs(3, 100, () => 0)).toBe(200);
    expect(backoffMs(3, 100, () => 1)).toBe(400);
  });

  it('templates ids out of paths', () => {
    expect(pathTemplateOf('/v1/customers/cus_123/charges')).toBe('/v1/customers/{id}/charges');
  });

  it('the test allow list is ignored outside local mode', () => {
    expect(loadProxyPolicy({ HOOKBRIDGE_TEST_ALLOW_HOSTS: '127.0.0.1:1' }).testAllow.size).toBe(0);
    expect(
      loadProxyPolicy({ HOOKBRIDGE_LOCAL: 'true', HOOKBRIDGE_TEST_ALLOW_HOSTS: '127.0.0.1:1' }).testAllow.has(
        '127.0.0.1:1',
      ),
    ).toBe(true);
  });

  it('refuses a total timeout at or above API Gateway’s limit', () => {
    expect(() => loadProxyPolicy({ HOOKBRIDGE_PROXY_TIMEOUT_MS: '30000' })).toThrow(
      /HOOKBRIDGE_PROXY_TIMEOUT_MS/,
    );
  });
});

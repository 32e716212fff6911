import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/log.js';
import { type OutboundCall, sendWithPolicy } from '../../../shared/outbound/policy.js';
import { nodeTransport } from '../../../shared/outbound/transport.js';
import { loadProxyPolicy } from '../../../shared/proxy/config.js';
import {
  createPayPalContext,
  type PayPalContext,
  type PayPalContextOptions,
} from '../../../shared/webhooks/providers/paypal/context.js';
import { certUrlAllowed, verifyPayPalWebhook } from '../../../shared/webhooks/providers/paypal/verify.js';
import type { VerifyInput } from '../../../shared/webhooks/types.js';
import { makeStandInChain, paypalHeaders, type StandInChain } from '../../support/paypal-standin.js';

let chain: StandInChain;
let server: Server;
let base = '';
let certFetches = 0;
let apiCalls: { path: string; body: string; auth: string | undefined }[] = [];
let apiAnswer = 'SUCCESS';
let options: PayPalContextOptions;
let deps: PayPalContext;

const WEBHOOK_ID = 'WH-STANDIN-1';
const event = JSON.stringify({
  id: 'WH-EVT-1',
  event_type: 'PAYMENT.CAPTURE.COMPLETED',
  create_time: '2026-11-26T10:00:00Z',
  resource: { id: 'CAP-1', amount: { value: '10.00', currency_code: 'USD' } },
});

beforeAll(async () => {
  chain = makeStandInChain();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/certs/good') {
        certFetches++;
        return res.end(chain.leafPem + chain.rootPem);
      }
      if (req.url === '/certs/rogue') return res.end(chain.rogueLeafPem);
      if (req.url === '/certs/down') return res.writeHead(503).end();
      apiCalls.push({ path: req.url!, body, auth: req.headers.authorization });
      if (req.url === '/v1/oauth2/token')
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: 'A21-standin', token_type: 'Bearer', expires_in: 32400 }));
      if (req.url === '/v1/notifications/verify-webhook-signature')
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ verification_status: apiAnswer }));
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${hostPort}`;
  const outbound = {
    transport: nodeTransport,
    resolver: async () => [{ address: '127.0.0.1', family: 4 as const }],
    policy: loadProxyPolicy({ HOOKBRIDGE_LOCAL: 'true', HOOKBRIDGE_TEST_ALLOW_HOSTS: hostPort }),
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    random: Math.random,
    log: createLogger({}, { write: () => {} }),
  };
  const send = (call: OutboundCall) => sendWithPolicy(call, outbound);
  options = {
    send,
    testAllow: outbound.policy.testAllow,
    trustRootPem: chain.rootPem,
    systemRoots: false,
  };
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

beforeEach(() => {
  // Fresh certificate and token caches per test: each test sees its own calls, in any order.
  deps = createPayPalContext(options);
  apiCalls = [];
  apiAnswer = 'SUCCESS';
});

const input = (
  headers: Record<string, string>,
  body = event,
  config: Record<string, unknown> = {},
  now = Date.now(),
): VerifyInput => ({
  rawBody: Buffer.from(body),
  headers,
  url: 'https://hooks.example.com/webhooks/paypal',
  secrets: [WEBHOOK_ID],
  config,
  now,
  toleranceSec: 300,
});

const signed = (over: Partial<Parameters<typeof paypalHeaders>[0]> = {}) =>
  paypalHeaders({
    body: event,
    webhookId: WEBHOOK_ID,
    keyPem: chain.leafKeyPem,
    certUrl: `${base}/certs/good`,
    ...over,
  });

describe('PayPal offline verification (stand-in certificate chain)', () => {
  it('accepts a valid transmission, and caches the certificate', async () => {
    const before = certFetches;
    const r = await verifyPayPalWebhook(input(signed()), deps);
    expect(r).toEqual({
      ok: true,
      eventId: 'WH-EVT-1',
      type: 'PAYMENT.CAPTURE.COMPLETED',
      occurredAt: expect.stringMatching(/^2026-11-26T10:00:00(\.000)?Z$/),
      matchedSecret: 0,
    });
    expect((await verifyPayPalWebhook(input(signed()), deps)).ok).toBe(true);
    expect(certFetches).toBe(before + 1);
  });

  it('accepts the second of two webhook ids (rotation)', async () => {
    const r = await verifyPayPalWebhook({ ...input(signed()), secrets: ['WH-OLD', WEBHOOK_ID] }, deps);
    expect(r).toMatchObject({ ok: true, matchedSecret: 1 });
  });

  it('refuses a tampered body', async () => {
    const r = await verifyPayPalWebhook(input(signed(), event.replace('10.00', '99.00')), deps);
    expect(r).toEqual({ ok: false, reason: 'bad_signature', detail: undefined });
  });

  it('refuses a signature made for another webhook id', async () => {
    const r = await verifyPayPalWebhook(input(signed({ webhookId: 'WH-OTHER' })), deps);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    'https://evil.example.com/certs/good',
    'http://api.paypal.com/v1/notifications/certs/x',
    'https://api.paypal.com.evil.com/cert',
    'https://api.paypal.com:8443/cert',
    'https://user@api.paypal.com/cert',
    'http://127.0.0.1:1/certs/good',
    'not a url',
    // PayPal hosts, but not PayPal's certificate path
    'https://api.paypal.com/v1/oauth2/token',
    'https://api-m.paypal.com/v1/notifications/certs',
    'https://api-m.paypal.com/v1/notifications/certsX/CERT-1',
    'https://api.paypal.com/v1/notifications/certs/../../oauth2/token',
    'https://api.paypal.com/v1/notifications/certs/%2e%2e/%2e%2e/oauth2/token',
  ])('refuses the cert URL %s without fetching it', async (certUrl) => {
    const before = certFetches;
    const r = await verifyPayPalWebhook(input(signed({ certUrl })), deps);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(certFetches).toBe(before);
  });

  it('allows exactly the four PayPal hosts over https', () => {
    const none = new Set<string>();
    for (const h of [
      'api.paypal.com',
      'api-m.paypal.com',
      'api.sandbox.paypal.com',
      'api-m.sandbox.paypal.com',
    ])
      expect(certUrlAllowed(`https://${h}/v1/notifications/certs/CERT-1`, none)?.hostname).toBe(h);
    expect(certUrlAllowed('https://paypal.com/x', none)).toBeUndefined();
    expect(certUrlAllowed('https://api.paypal.com/v1/customer/disputes', none)).toBeUndefined();
  });

  it('a certificate URL PayPal answers with 4xx is a bad signature (401), not an outage', async () => {
    const r = await verifyPayPalWebhook(input(signed({ certUrl: `${base}/certs/no-such-cert` })), deps);
    expect(r).toMatchObject({
      ok: false,
      reason: 'bad_signature',
      detail: expect.stringMatching(/no PayPal/),
    });
  });

  it('a certificate fetch answered 5xx stays upstream_error (502), so PayPal retries', async () => {
    const err = await verifyPayPalWebhook(input(signed({ certUrl: `${base}/certs/down` })), deps).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
  });

  it('refuses a stale or future transmission time', async () => {
    const stale = await verifyPayPalWebhook(
      input(signed({ time: new Date(Date.now() - 10 * 60_000) })),
      deps,
    );
    expect(stale).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    const future = await verifyPayPalWebhook(
      input(signed({ time: new Date(Date.now() + 10 * 60_000) })),
      deps,
    );
    expect(future).toMatchObject({ ok: false, reason: 'future_timestamp' });
  });

  it('refuses a certificate that does not chain to a trusted root', async () => {
    const r = await verifyPayPalWebhook(
      input(signed({ certUrl: `${base}/certs/rogue`, keyPem: chain.rogueKeyPem })),
      deps,
    );
    expect(r).toMatchObject({
      ok: false,
      reason: 'bad_signature',
      detail: expect.stringMatching(/trusted root/),
    });
  });

  it('refuses a certificate used outside its validity', async () => {
    const later = Date.now() + 3 * 24 * 3600_000;
    const h = signed({ time: new Date(later) });
    const r = await verifyPayPalWebhook(input(h, event, {}, later), deps);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature', detail: 'certificate is not valid now' });
  });

  it('missing or malformed headers are 4xx reasons, never throws', async () => {
    expect(await verifyPayPalWebhook(input({}), deps)).toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
    const h = signed();
    expect(
      await verifyPayPalWebhook(input({ ...h, 'paypal-transmission-time': 'yesterday' }), deps),
    ).toMatchObject({ ok: false, reason: 'malformed_header' });
    expect(await verifyPayPalWebhook(input({ ...h, 'paypal-transmission-sig': '***' }), deps)).toMatchObject({
      ok: false,
      reason: 'malformed_header',
    });
    expect(await verifyPayPalWebhook(input({ ...h, 'paypal-auth-algo': 'MD5withRSA' }), deps)).toMatchObject({
      ok: false,
      reason: 'malformed_header',
    });
  });
});

describe('PayPal API verification (stand-in PayPal API)', () => {
  const apiConfig = () => ({
    mode: 'api',
    clientId: 'pp-client',
    clientSecret: 'pp-secret',
    apiBaseUrl: base,
  });

  it('asks the verify-webhook-signature API with a client-credentials token', async () => {
    const r = await verifyPayPalWebhook(input(signed(), event, apiConfig()), deps);
    expect(r).toMatchObject({ ok: true, eventId: 'WH-EVT-1', matchedSecret: 0 });
    expect(apiCalls.map((c) => c.path)).toEqual([
      '/v1/oauth2/token',
      '/v1/notifications/verify-webhook-signature',
    ]);
    expect(apiCalls[0]!.auth).toBe(`Basic ${Buffer.from('pp-client:pp-secret').toString('base64')}`);
    expect(apiCalls[1]!.auth).toBe('Bearer A21-standin');
    expect(JSON.parse(apiCalls[1]!.body)).toMatchObject({
      webhook_id: WEBHOOK_ID,
      auth_algo: 'SHA256withRSA',
      webhook_event: { id: 'WH-EVT-1' },
    });
  });

  it('a FAILURE answer is a bad signature', async () => {
    apiAnswer = 'FAILURE';
    const r = await verifyPayPalWebhook(input(signed(), event, apiConfig()), deps);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses an API base URL that is not PayPal (nor a test stand-in)', async () => {
    const err = await verifyPayPalWebhook(
      input(signed(), event, { ...apiConfig(), apiBaseUrl: 'https://169.254.169.254' }),
      deps,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
  });
});

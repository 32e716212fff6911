/**
 * Generic OIDC against a real oidc-provider in the configurations the standards allow, with a
 * real browser (headless Chromium): PAR required, client authentication by discovery
 * (client_secret_jwt only, private_key_jwt only), access tokens of 60 s / 300 s / 330 s, a server
 * outage, a signing-key rotation, issuer checks at PUT /integrations, an expired connection with
 * no refresh token, and a revocation endpoint that fails then recovers. One Hookbridge runtime;
 * one server per discovery configuration, several clients on the main one.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../infra/local/pipeline.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { runRefresher } from '../../shared/connections/refresher.js';
import { getFreshAccessToken } from '../../shared/connections/tokens.js';
import type { AppEvent } from '../../shared/events/app-events.js';
import { launchChromium } from './support/browser.js';
import {
  type ConfiguredOp,
  type OpClient,
  startConfiguredOp,
  startDiscoveryStub,
} from './support/oidc-op.js';

const API_KEY = 'test-admin-key-0123456789';
const SECRET = 'fidelity-client-secret-0123456789abcdef0123456789';

/** The runtime's clock, moved forward by tests (tokens are judged by it; the OP keeps real time). */
class OffsetClock extends ManualClock {
  offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
}

let rt: LocalRuntime;
let browser: Browser;
let dir: string;
let appUrl: string;
let closeApp: () => Promise<void>;
const clock = new OffsetClock(0);
const events: AppEvent[] = [];
const ops: Record<string, ConfiguredOp> = {};
let clientKey: JWK;
let nextClientKey: JWK;

async function clientKeyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${rt.url}${path}`, {
    ...init,
    redirect: 'manual',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...init.headers },
  });

const putOidc = (id: string, issuer: string, scopes = ['openid', 'offline_access']) =>
  api(`/integrations/${id}`, {
    method: 'PUT',
    body: JSON.stringify({
      type: 'oauth',
      provider: 'oidc',
      issuer,
      scopes,
      allowedReturnUrls: [`${appUrl}/done`],
      authorizationParams: { prompt: 'consent' },
    }),
  });

async function writeSecrets(more: Record<string, unknown>) {
  const file = rt.secretsFile;
  const all = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...all, ...more }));
  rt.container.secrets.invalidate();
}

/** The connect dance in a fresh browser context: the connection id, or the error page's code. */
async function connect(integrationId: string, endUserId: string): Promise<{ id?: string; error?: string }> {
  const res = await api('/connect-sessions', {
    method: 'POST',
    body: JSON.stringify({ integrationId, endUserId, returnUrl: `${appUrl}/done` }),
  });
  expect(res.status).toBe(201);
  const { url } = (await res.json()) as { url: string };
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    const first = await page.waitForSelector('input[name=login], #error-code');
    if ((await first.getAttribute('id')) === 'error-code')
      return { error: (await first.textContent()) ?? '' };
    await page.fill('input[name=login]', endUserId);
    await page.fill('input[name=password]', 'any');
    await page.click('button[type=submit]');
    await page.click('button[autofocus]');
    await page.waitForURL((u) => u.href.startsWith(`${appUrl}/done`) || u.href.startsWith(rt.url));
    const back = new URL(page.url());
    if (back.href.startsWith(`${appUrl}/done`)) return { id: back.searchParams.get('connection_id')! };
    return { error: (await page.textContent('#error-code')) ?? back.href };
  } finally {
    await context.close();
  }
}

async function connected(integrationId: string, endUserId: string): Promise<string> {
  const out = await connect(integrationId, endUserId);
  expect(out.error).toBeUndefined();
  return out.id!;
}

const token = async (id: string) => {
  const res = await api(`/connections/${id}/access-token`);
  return { status: res.status, body: (await res.json()) as { accessToken?: string; code?: string } };
};
const stored = async (id: string) => (await rt.container.connections.store.get(id))!;

const clients: OpClient[] = [
  { clientId: 'basic', clientSecret: SECRET, authMethod: 'client_secret_basic' },
  { clientId: 'ttl60', clientSecret: SECRET, authMethod: 'client_secret_basic', accessTokenTtl: 60 },
  { clientId: 'ttl300', clientSecret: SECRET, authMethod: 'client_secret_basic', accessTokenTtl: 300 },
  { clientId: 'ttl330', clientSecret: SECRET, authMethod: 'client_secret_basic', accessTokenTtl: 330 },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-oidc-'));
  const app = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>app</p>'),
  );
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  closeApp = () => new Promise<void>((r) => app.close(() => r()));
  const secretsFile = join(dir, 'secrets.json');
  await writeFile(secretsFile, '{}\n');
  rt = await startLocal({ port: 0, secretsFile, apiKey: API_KEY });
  const redirectUri = `${rt.url}/oauth/callback`;
  const [current, next] = [await clientKeyPair('hb-2026-12'), await clientKeyPair('hb-2027-01')];
  clientKey = current.privateJwk;
  nextClientKey = next.privateJwk;
  ops.main = await startConfiguredOp({ redirectUri, clients });
  ops.par = await startConfiguredOp({ redirectUri, clients: [clients[0]!], requirePar: true });
  ops.jwt = await startConfiguredOp({
    redirectUri,
    clients: [{ clientId: 'jwt', clientSecret: SECRET, authMethod: 'client_secret_jwt' }],
    clientAuthMethods: ['client_secret_jwt'],
  });
  ops.pkj = await startConfiguredOp({
    redirectUri,
    // Both keys registered, as during a rotation; the secret holds the one in use.
    clients: [{ clientId: 'pkj', authMethod: 'private_key_jwt', jwks: [current.publicJwk, next.publicJwk] }],
    clientAuthMethods: ['private_key_jwt'],
  });
  ops.rot = await startConfiguredOp({ redirectUri, clients: [clients[0]!] });
  const hosts = Object.values(ops).map((o) => new URL(o.issuer).host);
  rt.configure({}, { HOOKBRIDGE_PUBLIC_URL: rt.url, HOOKBRIDGE_TEST_ALLOW_HOSTS: hosts.join(',') });
  rt.configure({ appEvents: { publish: async (e: AppEvent) => void events.push(e) } });
  rt.pipeline.useClock(clock);
  const secret = (clientId: string) => ({ clientId, clientSecret: SECRET });
  await writeSecrets({
    'hookbridge/oauth/op-par': secret('basic'),
    'hookbridge/oauth/op-jwt': secret('jwt'),
    'hookbridge/oauth/op-pkj': { clientId: 'pkj', privateKeyJwk: clientKey },
    'hookbridge/oauth/op-rot': secret('basic'),
    'hookbridge/oauth/op-norefresh': secret('ttl60'),
    ...Object.fromEntries(clients.map((c) => [`hookbridge/oauth/op-${c.clientId}`, secret(c.clientId)])),
  });
  for (const [id, op] of [
    ['op-par', ops.par],
    ['op-jwt', ops.jwt],
    ['op-pkj', ops.pkj],
    ['op-rot', ops.rot],
    ...clients.map((c) => [`op-${c.clientId}`, ops.main] as const),
  ] as const) {
    expect((await putOidc(id, op!.issuer)).status, id).toBe(201);
  }
  expect((await putOidc('op-norefresh', ops.main.issuer, ['openid'])).status).toBe(201);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const op of Object.values(ops)) await op.close();
  await rt?.close();
  await closeApp?.();
  delete process.env.HOOKBRIDGE_PUBLIC_URL;
  delete process.env.HOOKBRIDGE_TEST_ALLOW_HOSTS;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('authorization and client authentication chosen from discovery', () => {
  it('PAR (RFC 9126): an OP that requires it completes the connect flow', async () => {
    const id = await connected('op-par', 'par-user');
    expect(await stored(id)).toMatchObject({ status: 'active', hasRefreshToken: true });
    expect((await token(id)).status).toBe(200);
  });

  it('an OP offering only client_secret_jwt: code exchange and refresh with an HS256 assertion', async () => {
    const id = await connected('op-jwt', 'jwt-user');
    expect(ops.jwt!.grantErrors).toEqual([]);
    const forced = await getFreshAccessToken(rt.container.connections, id, { forceRefresh: true });
    expect(forced.accessToken).toBeTruthy();
    expect(ops.jwt!.refreshGrants('jwt')).toBe(1);
    expect(ops.jwt!.assertionHeaders).toEqual([{ alg: 'HS256' }, { alg: 'HS256' }]);
  });

  it('an OP offering only private_key_jwt: the key from the secret signs, with its kid', async () => {
    const id = await connected('op-pkj', 'pkj-user');
    expect(ops.pkj!.grantErrors).toEqual([]);
    await getFreshAccessToken(rt.container.connections, id, { forceRefresh: true });
    expect(ops.pkj!.refreshGrants('pkj')).toBe(1);
    // The code exchange and the refresh each signed with the secret's key, named by its kid.
    expect(ops.pkj!.assertionHeaders).toEqual([
      { alg: 'ES256', kid: 'hb-2026-12' },
      { alg: 'ES256', kid: 'hb-2026-12' },
    ]);
    // Rotation: the new key goes into the secret; the next request signs with it.
    await writeSecrets({ 'hookbridge/oauth/op-pkj': { clientId: 'pkj', privateKeyJwk: nextClientKey } });
    await getFreshAccessToken(rt.container.connections, id, { forceRefresh: true });
    expect(ops.pkj!.assertionHeaders.at(-1)).toEqual({ alg: 'ES256', kid: 'hb-2027-01' });
    expect(ops.pkj!.refreshGrants('pkj')).toBe(2);
  });

  it('a rotated signing key: the next connection works at once (JWKS re-fetched on the unknown kid)', async () => {
    await connected('op-rot', 'rot-before'); // the JWKS is cached, its cooldown running
    const before = ops.rot!.signingKid();
    await ops.rot!.rotateSigningKey();
    expect(ops.rot!.signingKid()).not.toBe(before);
    const after = await connect('op-rot', 'rot-after');
    expect(after.error).toBeUndefined();
    expect(after.id).toBeTruthy();
  });
});

describe('refresh timing and failures', () => {
  it.each([
    ['ttl60', 60],
    ['ttl300', 300],
  ] as const)('%s: 10 reads inside the margin make 1 refresh, not 10', async (client, ttl) => {
    const id = await connected(`op-${client}`, `${client}-user`);
    clock.offset = (ttl - ttl / 4 + 1) * 1000; // just inside the margin (a quarter of the lifetime)
    try {
      for (let i = 0; i < 10; i++) expect((await token(id)).status).toBe(200);
      expect(ops.main!.refreshGrants(client)).toBe(1);
    } finally {
      clock.offset = 0;
    }
  });

  it('OP down: a still-valid token is served; only after expiry a 502', async () => {
    const id = await connected('op-ttl330', 'outage-user');
    const original = (await token(id)).body.accessToken;
    ops.main!.down = true;
    try {
      clock.offset = 31_000; // the case: 31 s into a 330 s token
      for (let i = 0; i < 3; i++)
        expect(await token(id)).toEqual({
          status: 200,
          body: expect.objectContaining({ accessToken: original }),
        });
      clock.offset = 260_000; // inside the margin: the refresh is tried and fails
      for (let i = 0; i < 2; i++)
        expect(await token(id)).toEqual({
          status: 200,
          body: expect.objectContaining({ accessToken: original }),
        });
      expect(await stored(id)).toMatchObject({
        status: 'active',
        refreshFailures: 2,
        lastError: 'network_error',
      });
      clock.offset = 331_000; // expired
      const late = await token(id);
      expect(late.status).toBe(502);
      expect(late.body.code).toBe('upstream_error');
    } finally {
      ops.main!.down = false;
    }
    const back = await token(id);
    expect(back.status).toBe(200);
    expect(back.body.accessToken).not.toBe(original);
    clock.offset = 0;
    expect(ops.main!.refreshGrants('ttl330')).toBe(1);
  });

  it('an expired token with no refresh token: GET /connections/{id} says needs_reauth, as the 409 does', async () => {
    const id = await connected('op-norefresh', 'no-refresh-user'); // no offline_access: no refresh token
    const unread = await connected('op-norefresh', 'no-refresh-unread');
    expect(await stored(id)).toMatchObject({ status: 'active', hasRefreshToken: false });
    expect(((await (await api(`/connections/${id}`)).json()) as { status: string }).status).toBe('active');
    clock.offset = 61_000;
    try {
      const view = (await (await api(`/connections/${id}`)).json()) as { status: string };
      expect(view.status).toBe('needs_reauth');
      const read = await token(id);
      expect(read.status).toBe(409);
      expect(read.body.code).toBe('needs_reauth');
      expect((await stored(id)).status).toBe('needs_reauth');
      const listed = (await (
        await api('/connections?integrationId=op-norefresh&status=needs_reauth')
      ).json()) as {
        items: { id: string }[];
      };
      expect(listed.items.map((i) => i.id)).toEqual([id]);
      // Never read: the refresher stores it.
      expect((await stored(unread)).status).toBe('active');
      await runRefresher(rt.container.connections);
      expect(await stored(unread)).toMatchObject({
        status: 'needs_reauth',
        lastError: 'access_token_expired',
      });
    } finally {
      clock.offset = 0;
    }
  });
});

describe('revocation retried after a failed delete', () => {
  it('503 at delete: a pending job, retried with backoff until the provider confirms', async () => {
    const id = await connected('op-basic', 'revoke-user');
    ops.main!.failRevocations = 2; // the delete's attempt, then the first retry
    const del = await api(`/connections/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const body = (await del.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id,
      deleted: true,
      revokedAtProvider: false,
      revocationError: 'revocation endpoint answered HTTP 503',
      revocationRetry: { connectionId: id, status: 'pending', attempts: 1 },
    });
    expect(JSON.stringify(body)).not.toMatch(/accessToken|refreshToken|tokens/);
    expect((await api(`/connections/${id}`)).status).toBe(404);
    const job = async () =>
      (await (await api(`/connections/${id}/revocation`)).json()) as Record<string, unknown>;
    const deps = rt.container.connections;
    expect((await runRefresher(deps)).revocations).toEqual({ retried: 0, revoked: 0, failed: 0 }); // not due yet
    try {
      clock.offset = 61_000;
      expect((await runRefresher(deps)).revocations).toEqual({ retried: 1, revoked: 0, failed: 0 });
      expect(await job()).toMatchObject({
        status: 'pending',
        attempts: 2,
        lastError: 'revocation endpoint answered HTTP 503',
      });
      clock.offset = 61_000 + 121_000; // the second wait is twice the first
      expect((await runRefresher(deps)).revocations).toEqual({ retried: 1, revoked: 1, failed: 0 });
    } finally {
      clock.offset = 0;
    }
    const done = await job();
    expect(done).toMatchObject({ status: 'revoked', attempts: 3 });
    expect(done.nextAttemptAt).toBeUndefined();
    expect(ops.main!.revocationCalls()).toBe(4); // 503, 503, then refresh and access token
    expect(
      events
        .filter((e) => e.type === 'connection.revoked' && e.data.connectionId === id)
        .map((e) => e.data.revokedAtProvider),
    ).toEqual([false, true]);
    expect((await api('/connections/nobody/revocation')).status).toBe(404);
  });
});

describe('PUT /integrations checks an OIDC issuer', () => {
  it.each([
    ['discovery unreachable', 'closed', 400, 'invalid_request', /OIDC discovery for .* failed/],
    ['issuer not identical', 'slash', 400, 'issuer_mismatch', /must be identical/],
    ['another issuer', 'other', 400, 'issuer_mismatch', /names another issuer/],
    ['no usable client auth', 'tls', 400, 'invalid_request', /token_endpoint_auth_methods_supported/],
    ['PAR required, no endpoint', 'par', 400, 'invalid_request', /pushed_authorization_request_endpoint/],
  ] as const)('%s: %s → %i %s, nothing stored', async (_name, kind, status, code, detail) => {
    const stub = await startDiscoveryStub((issuer) => ({
      issuer: kind === 'slash' ? `${issuer}/` : kind === 'other' ? `${issuer}/other` : issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      token_endpoint_auth_methods_supported: kind === 'tls' ? ['tls_client_auth'] : ['client_secret_basic'],
      ...(kind === 'par' ? { require_pushed_authorization_requests: true } : {}),
    }));
    if (kind === 'closed') await stub.close();
    const hosts = [...Object.values(ops).map((o) => new URL(o.issuer).host), new URL(stub.issuer).host];
    rt.configure({}, { HOOKBRIDGE_TEST_ALLOW_HOSTS: hosts.join(',') });
    try {
      const res = await putOidc(`bad-${kind}`, stub.issuer);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe(code);
      expect(problem.detail).toMatch(detail);
      expect((await api(`/integrations/bad-${kind}`)).status).toBe(404);
    } finally {
      if (kind !== 'closed') await stub.close();
    }
  });
});

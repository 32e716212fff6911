/**
 * End to end: a real OpenID provider (oidc-provider) and a real browser (headless Chromium via
 * playwright-core: a system one when present, else the one the `@sparticuz/chromium` package
 * ships; see support/browser.ts) against Hookbridge's local runtime. Covers the connect flow,
 * token use, refresh under load with rotation, revoke on delete, and the browser-level attacks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { refreshWithLease } from '../../shared/connections/tokens.js';
import type { AppEvent } from '../../shared/events/app-events.js';
import { launchChromium } from './support/browser.js';
import { introspect, startOidcProvider, type TestOp, userinfo } from './support/oidc.js';

const API_KEY = 'test-admin-key-0123456789';
const INTEGRATION = 'test-op';

let rt: LocalRuntime;
let op: TestOp;
let browser: Browser;
let app: Server;
let appUrl: string;
let dir: string;
let ddb: ReturnType<typeof createDocumentClient>;
const events: AppEvent[] = [];

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${rt.url}${path}`, {
    ...init,
    redirect: 'manual',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...init.headers },
  });

async function newSession(endUserId: string, returnUrl: string | null = `${appUrl}/done`) {
  const res = await api('/connect-sessions', {
    method: 'POST',
    body: JSON.stringify({
      integrationId: INTEGRATION,
      endUserId,
      ...(returnUrl ? { returnUrl } : {}),
      metadata: { plan: 'pro' },
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; url: string; expiresAt: string };
}

async function loginAndConsent(page: import('playwright-core').Page, login: string) {
  // With a live provider session the login form is skipped; consent is always asked (prompt=consent).
  const first = await page.waitForSelector('input[name=login], button[autofocus]');
  if ((await first.getAttribute('name')) === 'login') {
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any');
    await page.click('button[type=submit]');
    await page.waitForSelector('button[autofocus]');
  }
  await page.click('button[autofocus]');
}

/** The full dance in a browser context; returns the connection id from the return URL. */
async function connect(context: BrowserContext, endUserId: string): Promise<string> {
  const { url } = await newSession(endUserId);
  const page = await context.newPage();
  await page.goto(url);
  await loginAndConsent(page, endUserId);
  await page.waitForURL((u) => u.href.startsWith(`${appUrl}/done`));
  const back = new URL(page.url());
  await page.close();
  expect(back.searchParams.get('integration_id')).toBe(INTEGRATION);
  return back.searchParams.get('connection_id')!;
}

/** A connection of its own for a test: the dance in a fresh browser context, closed after. */
async function connected(endUserId: string): Promise<string> {
  const context = await browser.newContext();
  try {
    return await connect(context, endUserId);
  } finally {
    await context.close();
  }
}

/**
 * Runs the dance up to the provider's redirect back, with the binding cookie withheld so the
 * callback is refused before it touches the state; returns the callback URL and the cookie.
 */
async function stopAtCallback(
  context: BrowserContext,
  endUserId: string,
): Promise<{ callbackUrl: string; cookie: string }> {
  const { url } = await newSession(endUserId);
  const before = new Set((await context.cookies(`${rt.url}/oauth/callback`)).map((c) => c.name));
  const page = await context.newPage();
  await page.goto(url);
  // One cookie per sign-in, named after the state: hb_oauth_<8 hex of sha256(state)>.
  const binding = (await context.cookies(`${rt.url}/oauth/callback`)).find(
    (c) => /^hb_oauth_[0-9a-f]{8}$/.test(c.name) && !before.has(c.name),
  );
  expect(binding?.httpOnly).toBe(true);
  expect(binding?.sameSite).toBe('Lax');
  await context.clearCookies({ name: binding!.name });
  await loginAndConsent(page, endUserId);
  await page.waitForURL((u) => u.href.startsWith(`${rt.url}/oauth/callback`));
  expect(await page.textContent('#error-code')).toBe('missing_state_cookie');
  const callbackUrl = page.url();
  await page.close();
  await context.addCookies([binding!]);
  return { callbackUrl, cookie: `${binding!.name}=${binding!.value}` };
}

const listFor = async (endUserId: string) => {
  const res = await api(`/connections?endUserId=${encodeURIComponent(endUserId)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { id: string }[] }).items;
};

const accessToken = async (id: string) => {
  const res = await api(`/connections/${id}/access-token`);
  return {
    status: res.status,
    body: (await res.json()) as { accessToken: string; expiresAt: string; code?: string },
  };
};

const connKey = (id: string) => ({ pk: `conn#${id}`, sk: 'conn' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-e2e-'));
  app = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>app</title><p>back in the app</p>');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  // The runtime first (its port is the redirect URI), then the provider, then the client secret.
  const secretsFile = join(dir, 'secrets.json');
  await writeFile(secretsFile, '{}\n');
  rt = await startLocal({ port: 0, secretsFile, apiKey: API_KEY });
  op = await startOidcProvider(`${rt.url}/oauth/callback`);
  // The provider is on loopback: the SSRF guard lets it through only via the local-mode test list.
  rt.configure({}, { HOOKBRIDGE_PUBLIC_URL: rt.url, HOOKBRIDGE_TEST_ALLOW_HOSTS: new URL(op.issuer).host });
  const secrets = JSON.parse(
    await (await import('node:fs/promises')).readFile(secretsFile, 'utf8'),
  ) as Record<string, unknown>;
  secrets[`hookbridge/oauth/${INTEGRATION}`] = { clientId: op.clientId, clientSecret: op.clientSecret };
  await writeFile(secretsFile, JSON.stringify(secrets));
  rt.container.secrets.invalidate();
  ddb = createDocumentClient({ region: 'us-east-1', endpoint: rt.dynamoEndpoint });
  rt.configure({ appEvents: { publish: async (e: AppEvent) => void events.push(e) } });

  const put = await api(`/integrations/${INTEGRATION}`, {
    method: 'PUT',
    body: JSON.stringify({
      type: 'oauth',
      provider: 'oidc',
      issuer: op.issuer,
      scopes: ['openid', 'offline_access', 'email'],
      allowedReturnUrls: [`${appUrl}/done`],
      authorizationParams: { prompt: 'consent' },
    }),
  });
  expect(put.status).toBe(201);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await op?.close();
  await rt?.close();
  ddb?.destroy();
  delete process.env.HOOKBRIDGE_PUBLIC_URL;
  delete process.env.HOOKBRIDGE_TEST_ALLOW_HOSTS;
  if (app) await new Promise<void>((r) => app.close(() => r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Each test connects an end user of its own.
describe('connect flow with a real provider and browser', () => {
  it('logs in, consents and stores one encrypted connection', async () => {
    const connectionId = await connected('alice');
    const res = await api(`/connections/${connectionId}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const view = JSON.parse(text) as Record<string, unknown>;
    expect(view).toMatchObject({
      id: connectionId,
      integrationId: INTEGRATION,
      provider: 'oidc',
      endUserId: 'alice',
      status: 'active',
      hasRefreshToken: true,
      metadata: { plan: 'pro' },
    });
    expect(view.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    expect(text).not.toMatch(/accessToken|refreshToken|tokens|eyJ/);
    const item = (await ddb.send(new GetCommand({ TableName: rt.table, Key: connKey(connectionId) }))).Item!;
    expect(String(item.tokens).split('.')).toHaveLength(5); // compact JWE
    expect(events.filter((e) => e.type === 'connection.created').map((e) => e.data.connectionId)).toContain(
      connectionId,
    );
    expect(JSON.stringify(events)).not.toContain(String(item.tokens));
  });

  it('returns an access token that works at the provider’s userinfo endpoint', async () => {
    const connectionId = await connected('amy');
    const { status, body } = await accessToken(connectionId);
    expect(status).toBe(200);
    const info = await userinfo(op, body.accessToken);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ sub: 'amy' });
    const item = (await ddb.send(new GetCommand({ TableName: rt.table, Key: connKey(connectionId) }))).Item!;
    expect(JSON.stringify(item)).not.toContain(body.accessToken);
  });

  it('connecting the same end user again updates the one connection', async () => {
    const context = await browser.newContext();
    const connectionId = await connect(context, 'anna');
    const again = await connect(context, 'anna');
    expect(again).toBe(connectionId);
    expect(await listFor('anna')).toHaveLength(1);
    await context.close();
  });

  it('near expiry, 10 concurrent calls cause exactly one refresh; rotation keeps the grant alive', async () => {
    const connectionId = await connected('ada');
    const before = (await accessToken(connectionId)).body.accessToken;
    const refreshesBefore = op.refreshGrants();
    const grantErrorsBefore = op.grantErrors.length;
    await ddb.send(
      new UpdateCommand({
        TableName: rt.table,
        Key: connKey(connectionId),
        // An hour-long token in its last minute (the margin is a quarter of the lifetime, at most 5 min).
        UpdateExpression: 'SET expiresAt = :e, tokenIssuedAt = :i',
        ExpressionAttributeValues: { ':e': Date.now() + 60_000, ':i': Date.now() + 60_000 - 3_600_000 },
      }),
    );
    const results = await Promise.all(Array.from({ length: 10 }, () => accessToken(connectionId)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(op.refreshGrants() - refreshesBefore).toBe(1);
    const tokens = new Set(results.map((r) => r.body.accessToken));
    expect(tokens.size).toBe(1);
    const [fresh] = [...tokens];
    expect(fresh).not.toBe(before);
    expect((await userinfo(op, fresh!)).status).toBe(200);
    expect(Date.parse(results[0]!.body.expiresAt)).toBeGreaterThan(Date.now() + 30 * 60_000);

    // Across processes (no shared single-flight): the DynamoDB lease still admits one refresher.
    await ddb.send(
      new UpdateCommand({
        TableName: rt.table,
        Key: connKey(connectionId),
        // An hour-long token in its last minute (the margin is a quarter of the lifetime, at most 5 min).
        UpdateExpression: 'SET expiresAt = :e, tokenIssuedAt = :i',
        ExpressionAttributeValues: { ':e': Date.now() + 60_000, ':i': Date.now() + 60_000 - 3_600_000 },
      }),
    );
    const version = (await rt.container.connections.store.get(connectionId))!.version;
    const mid = op.refreshGrants();
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        refreshWithLease(rt.container.connections, connectionId, version, false),
      ),
    );
    expect(op.refreshGrants() - mid).toBe(1);
    expect(new Set(racing.map((r) => r.accessToken)).size).toBe(1);
    // The rotated refresh token was kept: had an old one been reused, the provider would have revoked the grant.
    expect(op.grantErrors.slice(grantErrorsBefore)).not.toContain('invalid_grant');
    expect((await userinfo(op, racing[0]!.accessToken)).status).toBe(200);
    const forced = await refreshWithLease(
      rt.container.connections,
      connectionId,
      (await rt.container.connections.store.get(connectionId))!.version,
      true,
    );
    expect((await userinfo(op, forced.accessToken)).status).toBe(200);
  });

  it('delete revokes at the provider (introspection: inactive) and removes the connection', async () => {
    const connectionId = await connected('abe');
    const token = (await accessToken(connectionId)).body.accessToken;
    expect((await introspect(op, token)).active).toBe(true);
    const res = await api(`/connections/${connectionId}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: connectionId, deleted: true, revokedAtProvider: true });
    expect((await introspect(op, token)).active).toBe(false);
    expect((await api(`/connections/${connectionId}`)).status).toBe(404);
    expect((await accessToken(connectionId)).status).toBe(404);
    expect(events.some((e) => e.type === 'connection.revoked' && e.data.connectionId === connectionId)).toBe(
      true,
    );
  });
});

describe('provider errors and the success page', () => {
  it('access_denied at the provider goes back to the return URL with the error; nothing stored', async () => {
    const context = await browser.newContext();
    const { url } = await newSession('henry');
    const page = await context.newPage();
    await page.goto(url);
    await page.click('text=[ Cancel ]');
    await page.waitForURL((u) => u.href.startsWith(`${appUrl}/done`));
    const back = new URL(page.url());
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('connection_id')).toBeNull();
    expect(await listFor('henry')).toHaveLength(0);
    await context.close();
  });

  it('access_denied without a return URL shows a 403 "Not connected" page, not invalid_grant', async () => {
    const context = await browser.newContext();
    const { url } = await newSession('jack', null);
    const page = await context.newPage();
    await page.goto(url);
    const answer = page.waitForResponse((r) => r.url().startsWith(`${rt.url}/oauth/callback`));
    await page.click('text=[ Cancel ]');
    expect((await answer).status()).toBe(403);
    await page.waitForSelector('#error-code');
    expect(await page.textContent('h1')).toBe('Not connected');
    expect(await page.textContent('#error-code')).toBe('access_denied');
    expect(await page.textContent('#error-detail')).toBe(
      'Access was declined at the provider, so nothing was connected.',
    );
    expect(await listFor('jack')).toHaveLength(0);
    await context.close();
  });

  it('without a return URL the callback shows a success page', async () => {
    const context = await browser.newContext();
    const { url } = await newSession('ivy', null);
    const page = await context.newPage();
    await page.goto(url);
    await loginAndConsent(page, 'ivy');
    await page.waitForSelector('#connection-id');
    expect(await page.textContent('h1')).toBe('Connected');
    expect(await page.textContent('p')).toBe('Your account is connected. You can close this window.');
    const [stored] = await listFor('ivy');
    expect(await page.textContent('#connection-id')).toBe(stored!.id);
    await context.close();
  });
});

describe('attacks are refused and nothing is stored', () => {
  const page400 = async (res: Response, code: string) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    const body = await res.text();
    expect(body).toContain(`<code id="error-code">${code}</code>`);
    return body;
  };
  const callback = (url: string, cookie?: string) =>
    fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });

  it('a callback in another browser context (no cookie) is refused, and the state survives for the real browser', async () => {
    const ctxA = await browser.newContext();
    const { callbackUrl } = await stopAtCallback(ctxA, 'bob'); // ctxA holds the cookie again
    const ctxB = await browser.newContext();
    const pageB = await ctxB.newPage();
    const resB = await pageB.goto(callbackUrl);
    expect(resB?.status()).toBe(400);
    expect(await pageB.textContent('#error-code')).toBe('missing_state_cookie');
    expect(await listFor('bob')).toHaveLength(0);
    const pageA = await ctxA.newPage();
    await pageA.goto(callbackUrl);
    await pageA.waitForURL((u) => u.href.startsWith(`${appUrl}/done`));
    expect(await listFor('bob')).toHaveLength(1);
    // Replayed state: the same callback again, from the right browser.
    const replay = await pageA.goto(callbackUrl);
    expect(replay?.status()).toBe(400);
    expect(await pageA.textContent('#error-code')).toBe('missing_state_cookie'); // the cookie was cleared on success
    await ctxA.close();
    await ctxB.close();
  });

  it('missing, forged and replayed state', async () => {
    const ctx = await browser.newContext();
    const { callbackUrl, cookie } = await stopAtCallback(ctx, 'carol');
    const u = new URL(callbackUrl);
    const noState = new URL(u);
    noState.searchParams.delete('state');
    await page400(await callback(noState.toString(), cookie), 'invalid_state');
    const forged = new URL(u);
    forged.searchParams.set('state', 'forged-state-value');
    // No binding cookie is named for a forged state: refused before any state lookup.
    await page400(await callback(forged.toString(), cookie), 'missing_state_cookie');
    const ok = await callback(callbackUrl, cookie);
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toMatch(new RegExp(`^${appUrl}/done\\?connection_id=conn_`));
    await page400(await callback(callbackUrl, cookie), 'invalid_state');
    expect(await listFor('carol')).toHaveLength(1);
    await ctx.close();
  });

  it('iss mismatch (mix-up) and a missing iss are refused', async () => {
    const ctx = await browser.newContext();
    const { callbackUrl, cookie } = await stopAtCallback(ctx, 'dave');
    const evil = new URL(callbackUrl);
    expect(evil.searchParams.get('iss')).toBe(op.issuer);
    evil.searchParams.set('iss', 'https://evil.example');
    await page400(await callback(evil.toString(), cookie), 'issuer_mismatch');
    const ctx2 = await browser.newContext();
    const second = await stopAtCallback(ctx2, 'dave');
    const noIss = new URL(second.callbackUrl);
    noIss.searchParams.delete('iss');
    await page400(await callback(noIss.toString(), second.cookie), 'issuer_mismatch');
    expect(await listFor('dave')).toHaveLength(0);
    await ctx.close();
    await ctx2.close();
  });

  it('code replay is refused', async () => {
    const ctx = await browser.newContext();
    const first = await stopAtCallback(ctx, 'erin');
    expect((await callback(first.callbackUrl, first.cookie)).status).toBe(302);
    await api(`/connections/${(await listFor('erin'))[0]!.id}`, { method: 'DELETE' });
    const second = await stopAtCallback(ctx, 'erin');
    const replay = new URL(second.callbackUrl);
    replay.searchParams.set('code', new URL(first.callbackUrl).searchParams.get('code')!);
    await page400(await callback(replay.toString(), second.cookie), 'invalid_grant');
    expect(await listFor('erin')).toHaveLength(0);
    await ctx.close();
  });

  it('PKCE mismatch is refused by the provider', async () => {
    const ctx = await browser.newContext();
    const { callbackUrl, cookie } = await stopAtCallback(ctx, 'frank');
    const state = new URL(callbackUrl).searchParams.get('state')!;
    await ddb.send(
      new UpdateCommand({
        TableName: rt.table,
        Key: { pk: `ostate#${state}`, sk: 'ostate' },
        UpdateExpression: 'SET codeVerifier = :v',
        ExpressionAttributeValues: { ':v': 'x'.repeat(43) },
      }),
    );
    await page400(await callback(callbackUrl, cookie), 'invalid_grant');
    expect(await listFor('frank')).toHaveLength(0);
    await ctx.close();
  });

  it('a return URL outside the allow list is refused', async () => {
    for (const returnUrl of [
      'https://evil.example/done',
      `${appUrl}/donex`,
      `${appUrl.replace('127.0.0.1', 'localhost')}/done`,
      `http://user@${appUrl.slice(7)}/done`,
    ]) {
      const res = await api('/connect-sessions', {
        method: 'POST',
        body: JSON.stringify({ integrationId: INTEGRATION, endUserId: 'mallory', returnUrl }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('invalid_return_url');
    }
  });

  it('a used or expired session is refused', async () => {
    const { url, id } = await newSession('grace');
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toMatch(new RegExp(`^${op.issuer}/auth\\?`));
    const loc = new URL(first.headers.get('location')!);
    // The provider offers PAR (RFC 9126): PKCE, nonce and the rest were pushed; the browser gets a request_uri.
    expect([...loc.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(first.headers.get('set-cookie')).toMatch(
      /hb_oauth_[0-9a-f]{8}=[^;]+; Path=\/oauth; HttpOnly; SameSite=Lax/,
    );
    expect(await page400(await fetch(url, { redirect: 'manual' }), 'invalid_session')).toContain(
      'already been used',
    );
    const { url: url2, id: id2 } = await newSession('grace');
    expect(id2).not.toBe(id);
    await ddb.send(
      new UpdateCommand({
        TableName: rt.table,
        Key: { pk: `csess#${id2}`, sk: 'csess' },
        UpdateExpression: 'SET expiresAt = :e',
        ExpressionAttributeValues: { ':e': Date.now() - 1000 },
      }),
    );
    expect(await page400(await fetch(url2, { redirect: 'manual' }), 'invalid_session')).toContain(
      'has expired',
    );
    await page400(
      await fetch(`${rt.url}/oauth/authorize?session=nope`, { redirect: 'manual' }),
      'invalid_session',
    );
    expect(await listFor('grace')).toHaveLength(0);
  });
});

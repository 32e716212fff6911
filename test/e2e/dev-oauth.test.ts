/**
 * End to end: the local runtime's own dev OpenID provider (`provider: "dev"`, oidc-provider at
 * /dev-oauth on the runtime's port) in headless Chromium. Nothing but the runtime is started: no
 * client id or secret is given, no loopback allowance is set. Covers sign-in with any name,
 * consent, the access token, userinfo through the proxy, refresh with rotation and revocation;
 * and that `dev` is refused outside local mode and when oidc-provider cannot load.
 * HOOKBRIDGE_SHOTS_DIR set: the sign-in and consent pages are saved there as PNGs.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { openTokens } from '../../shared/connections/deps.js';
import type { TokenSet } from '../../shared/connections/model.js';
import type { AppEvent } from '../../shared/events/app-events.js';
import { DEV_OAUTH_CLIENT_SECRET_NAME } from '../../shared/secret-names.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { launchChromium } from './support/browser.js';

const INTEGRATION = 'dev-app';
const SHOTS = process.env.HOOKBRIDGE_SHOTS_DIR;

let rt: LocalRuntime;
let temp: TempSecrets;
let browser: Browser;
let app: Server;
let appUrl: string;
const events: AppEvent[] = [];

const call = (base: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, {
    ...init,
    redirect: 'manual',
    headers: {
      authorization: `Bearer ${TEST_ADMIN_KEY}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
const api = (path: string, init?: RequestInit) => call(rt.url, path, init);
const putDev = (base: string, id = INTEGRATION) =>
  call(base, `/integrations/${id}`, {
    method: 'PUT',
    body: JSON.stringify({ type: 'oauth', provider: 'dev', allowedReturnUrls: [`${appUrl}/done`] }),
  });

async function shot(page: Page, name: string) {
  const png = await page.screenshot({ fullPage: true });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  if (SHOTS) await mkdir(SHOTS, { recursive: true }).then(() => writeFile(join(SHOTS, name), png));
}

/** The dev client the runtime registered, from the secrets file it wrote (only the test reads it). */
async function devClient() {
  const all = JSON.parse(await readFile(temp.secretsFile, 'utf8')) as Record<string, unknown>;
  return all[DEV_OAUTH_CLIENT_SECRET_NAME] as { clientId: string; clientSecret: string };
}

async function introspect(token: string): Promise<boolean> {
  const { clientId, clientSecret } = await devClient();
  const res = await fetch(`${rt.url}/dev-oauth/token/introspection`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }).toString(),
  });
  return ((await res.json()) as { active: boolean }).active;
}

const storedTokens = async (id: string) =>
  openTokens<TokenSet>(rt.container.connections, (await rt.container.connections.store.get(id))!.tokens);

/** A connect session for `endUserId` on the dev integration; its browser URL. */
async function sessionUrl(endUserId: string): Promise<string> {
  const session = await api('/connect-sessions', {
    method: 'POST',
    body: JSON.stringify({ integrationId: INTEGRATION, endUserId, returnUrl: `${appUrl}/done` }),
  });
  expect(session.status).toBe(201);
  return ((await session.json()) as { url: string }).url;
}

type PageCheck = (page: Page) => Promise<void>;

/**
 * Signs `login` in for `endUserId` in a fresh browser context and consents; `check` looks at the
 * sign-in and consent pages first. Returns the connection id from the return URL.
 */
async function signIn(
  endUserId: string,
  login: string,
  check: { signIn?: PageCheck; consent?: PageCheck } = {},
): Promise<string> {
  const url = await sessionUrl(endUserId);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('input[name=login]');
    await check.signIn?.(page);
    await page.fill('input[name=login]', login);
    await page.click('button[type=submit]');
    await page.waitForSelector('#scopes');
    await check.consent?.(page);
    await page.click('button[autofocus]');
    await page.waitForURL((u) => u.href.startsWith(`${appUrl}/done`));
    const back = new URL(page.url());
    expect(back.searchParams.get('integration_id')).toBe(INTEGRATION);
    return back.searchParams.get('connection_id')!;
  } finally {
    await context.close();
  }
}

const tokenOf = async (connectionId: string) => {
  const res = await api(`/connections/${connectionId}/access-token`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
};

/** The connection ids of the app events of `type` published since `since` (an events.length). */
const published = (type: string, since: number) =>
  events
    .slice(since)
    .filter((e) => e.type === type)
    .map((e) => e.data.connectionId);

beforeAll(async () => {
  app = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>back in the app</p>'),
  );
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  temp = await writeTempSecrets('hb-devoauth-', {});
  rt = await startLocal({ port: 0, secretsFile: temp.secretsFile, apiKey: TEST_ADMIN_KEY });
  rt.configure({ appEvents: { publish: async (e: AppEvent) => void events.push(e) } });
  // The dev integration every sign-in uses (the creation test puts one of its own).
  expect((await putDev(rt.url)).status).toBe(201);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await rt?.close();
  if (app) await new Promise<void>((r) => app.close(() => r()));
  await temp?.remove();
});

// Each test signs in a connection of its own.
describe('the dev OpenID provider of the local runtime', () => {
  it('serves discovery at /dev-oauth with the local port as issuer', async () => {
    expect(rt.devOAuth).toEqual({ issuer: `${rt.url}/dev-oauth`, handler: expect.any(Function) });
    const res = await fetch(`${rt.url}/dev-oauth/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: `${rt.url}/dev-oauth`,
      authorization_endpoint: `${rt.url}/dev-oauth/auth`,
      token_endpoint: `${rt.url}/dev-oauth/token`,
      revocation_endpoint: `${rt.url}/dev-oauth/token/revocation`,
      userinfo_endpoint: `${rt.url}/dev-oauth/me`,
    });
  });

  it('creates a dev integration with nothing from the user: the dev client is a dev secret', async () => {
    const res = await putDev(rt.url, 'dev-new');
    expect(res.status).toBe(201);
    const view = (await res.json()) as { config: Record<string, unknown>; secretName: string };
    expect(view.secretName).toBe(DEV_OAUTH_CLIENT_SECRET_NAME);
    expect(view.config).toEqual({
      type: 'oauth',
      provider: 'dev',
      scopes: [],
      params: {},
      authorizationParams: {},
      allowedReturnUrls: [`${appUrl}/done`],
    });
    const { clientId, clientSecret } = await devClient();
    expect(clientId).toBe('hookbridge-local');
    expect(clientSecret.length).toBeGreaterThanOrEqual(32);
    expect(JSON.stringify(await (await api('/integrations/dev-new')).json())).not.toContain(clientSecret);
  });

  it('signs in with any name, asks for consent and lands on the return URL with an active connection', async () => {
    const since = events.length;
    const connectionId = await signIn('user-1', 'Ada Lovelace', {
      signIn: async (page) => {
        expect(page.url()).toMatch(new RegExp(`^${rt.url}/dev-oauth/interaction/[\\w-]+$`));
        expect(await page.title()).toBe('Sign in - Dev OAuth');
        await shot(page, 'dev-oauth-login.png');
      },
      consent: async (page) => {
        expect(await page.textContent('#account')).toBe('Ada Lovelace');
        expect(await page.$$eval('#scopes code', (els) => els.map((e) => e.textContent))).toEqual([
          'openid',
          'offline_access',
          'profile',
        ]);
        await shot(page, 'dev-oauth-consent.png');
      },
    });
    const view = (await (await api(`/connections/${connectionId}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      provider: 'dev',
      endUserId: 'user-1',
      status: 'active',
      hasRefreshToken: true,
    });
    expect(view.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access', 'profile']));
    expect(published('connection.created', since)).toEqual([connectionId]);
  });

  it('hands out an access token and the proxy calls userinfo with it, answering the signed-in name', async () => {
    const connectionId = await signIn('user-token', 'Grace Hopper');
    const accessToken = await tokenOf(connectionId);
    expect(await introspect(accessToken)).toBe(true);
    const me = await api(`/proxy/${connectionId}/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      sub: 'Grace Hopper',
      name: 'Grace Hopper',
      preferred_username: 'Grace Hopper',
    });
    const item = await rt.container.connections.store.get(connectionId);
    expect(JSON.stringify(item)).not.toContain(accessToken);
  });

  it('refreshes near expiry with rotation: a new access and refresh token, the old refresh token dead', async () => {
    const connectionId = await signIn('user-refresh', 'Alan Turing');
    const accessToken = await tokenOf(connectionId);
    const before = await storedTokens(connectionId);
    expect(await introspect(before.refreshToken!)).toBe(true);
    const ddb = rt.container.table.ddb;
    await ddb.send(
      new UpdateCommand({
        TableName: rt.table,
        Key: { pk: `conn#${connectionId}`, sk: 'conn' },
        // An hour-long token in its last minute (the margin is a quarter of the lifetime, at most 5 min).
        UpdateExpression: 'SET expiresAt = :e, tokenIssuedAt = :i',
        ExpressionAttributeValues: { ':e': Date.now() + 60_000, ':i': Date.now() + 60_000 - 3_600_000 },
      }),
    );
    const fresh = await tokenOf(connectionId);
    expect(fresh).not.toBe(accessToken);
    const after = await storedTokens(connectionId);
    expect(after.refreshToken).toBeDefined();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await introspect(before.refreshToken!)).toBe(false);
    expect(await introspect(after.refreshToken!)).toBe(true);
    expect((await api(`/proxy/${connectionId}/me`)).status).toBe(200);
  });

  it('delete revokes the grant at the provider: the connection is gone and its token is refused', async () => {
    const connectionId = await signIn('user-delete', 'Edsger Dijkstra');
    const accessToken = await tokenOf(connectionId);
    const { refreshToken } = await storedTokens(connectionId);
    const since = events.length;
    const res = await api(`/connections/${connectionId}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: connectionId, deleted: true, revokedAtProvider: true });
    expect(await introspect(accessToken)).toBe(false);
    expect(await introspect(refreshToken!)).toBe(false);
    const userinfo = await fetch(`${rt.url}/dev-oauth/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(userinfo.status).toBe(401);
    expect((await api(`/connections/${connectionId}`)).status).toBe(404);
    expect((await api(`/connections/${connectionId}/access-token`)).status).toBe(404);
    expect((await api(`/proxy/${connectionId}/me`)).status).toBe(404);
    expect(published('connection.revoked', since)).toEqual([connectionId]);
  });

  it('deny on the consent page goes back to the return URL with access_denied; nothing stored', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await sessionUrl('user-2'));
    await page.fill('input[name=login]', 'bob');
    await page.click('button[type=submit]');
    await page.click('text=Deny');
    await page.waitForURL((u) => u.href.startsWith(`${appUrl}/done`));
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
    await context.close();
    const list = (await (await api('/connections?endUserId=user-2')).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });
});

describe('where the dev provider does not exist', () => {
  it('outside local mode, PUT refuses provider "dev" with a 400 naming why, and existing ones answer 409', async () => {
    rt.configure({}, { HOOKBRIDGE_LOCAL: 'false' });
    try {
      const res = await putDev(rt.url, 'dev-elsewhere');
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('invalid_request');
      expect(problem.detail).toContain('refused outside local mode');
      expect((await api('/integrations/dev-elsewhere')).status).toBe(404);
      const session = await api('/connect-sessions', {
        method: 'POST',
        body: JSON.stringify({ integrationId: INTEGRATION, endUserId: 'user-3' }),
      });
      expect(session.status).toBe(409);
      expect(((await session.json()) as { detail: string }).detail).toContain('it is not running here');
    } finally {
      rt.configure({}, { HOOKBRIDGE_LOCAL: 'true' });
    }
    expect((await putDev(rt.url, 'dev-again')).status).toBe(201);
  });

  it('when oidc-provider cannot load, the runtime still starts, says why, and refuses "dev"', async () => {
    const secrets = await writeTempSecrets('hb-devoauth-noop-', {});
    const broken = await startLocal({
      port: 0,
      secretsFile: secrets.secretsFile,
      apiKey: TEST_ADMIN_KEY,
      loadDevOAuth: () => Promise.reject(new Error("Cannot find package 'oidc-provider'")),
    });
    try {
      expect(broken.devOAuth).toEqual({
        error: "oidc-provider did not load (Cannot find package 'oidc-provider')",
      });
      expect((await fetch(`${broken.url}/health`)).status).toBe(200);
      expect((await fetch(`${broken.url}/dev-oauth/.well-known/openid-configuration`)).status).toBe(404);
      const res = await putDev(broken.url);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toContain(
        "the local runtime's dev OpenID provider is not running",
      );
    } finally {
      await broken.close();
      await secrets.remove();
    }
  });
});

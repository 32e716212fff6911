/**
 * Connections through the local runtime on dynalite: the integrations API, connect-session
 * validation, refresh semantics (transient retries, kept refresh tokens, invalid_grant ->
 * needs_reauth over a window, recovery), the scheduled refresher, vault re-encryption, scopes
 * and store failures. The provider is a small real HTTP token endpoint whose answers the tests
 * script.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Overrides } from '../../infra/container/index.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { reencryptAll } from '../../infra/ops/vault-reencrypt.js';
import { connectionIdFor } from '../../shared/connections/flow.js';
import type { ConnectionRecord } from '../../shared/connections/model.js';
import { runRefresher } from '../../shared/connections/refresher.js';
import type { AppEvent } from '../../shared/events/app-events.js';
import { TokenVault } from '../../shared/vault/vault.js';
import { withStoreDown } from '../support/runtime-hooks.js';

/** Tests' connection overrides replace the previous ones (unnamed ones fall back to the defaults). */
const connectionOverrides = (o: Pick<Overrides, 'fetch' | 'sleep' | 'tokenBudgetMs' | 'resolver'>) =>
  rt.configure({ fetch: undefined, sleep: undefined, tokenBudgetMs: undefined, resolver: undefined, ...o });
const API_KEY = 'test-admin-key-0123456789';
let rt: LocalRuntime;
let dir: string;
let secretsFile: string;
let stub: Server;
let stubUrl: string;
let offsetMs = 0;
const events: AppEvent[] = [];
/** Scripted answers of the token endpoint; the last one repeats. */
let answers: { status: number; body: unknown }[] = [];
const calls: Record<string, string>[] = [];
let issued = 0;
/** Runs inside the token endpoint, before it answers (e.g. to let a lease run out mid-refresh). */
let beforeTokenAnswer: (() => Promise<void>) | undefined;

const api = (path: string, init: RequestInit = {}, key = API_KEY) =>
  fetch(`${rt.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
  });

const ok = (extra: Record<string, unknown> = {}) => ({
  status: 200,
  body: { access_token: `at-${++issued}`, token_type: 'Bearer', expires_in: 3600, ...extra },
});

async function seedConnection(
  endUserId: string,
  over: Partial<ConnectionRecord> = {},
): Promise<ConnectionRecord> {
  const deps = rt.container.connections;
  const vault = await deps.vault();
  const now = deps.now();
  const rec: ConnectionRecord = {
    id: connectionIdFor('stub', endUserId),
    integrationId: 'stub',
    provider: 'oauth2',
    endUserId,
    status: 'active',
    scopes: ['read'],
    metadata: {},
    providerMetadata: {},
    tokens: await vault.seal({
      accessToken: `seed-${endUserId}`,
      refreshToken: `rt-${endUserId}`,
      tokenType: 'Bearer',
    }),
    kid: vault.currentKid,
    hasRefreshToken: true,
    // An hour-long token in its last minute: inside the refresh margin.
    expiresAt: now + 60_000,
    tokenIssuedAt: now + 60_000 - 3_600_000,
    version: 1,
    refreshFailures: 0,
    createdAt: new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
    ...over,
  };
  expect(await deps.store.save(rec, undefined)).toBe(true);
  return rec;
}

/** A browser's cookie jar for the /oauth routes: the last Set-Cookie per name wins, Max-Age=0 deletes. */
class CookieJar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(i + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** POST /connect-sessions, then GET /oauth/authorize in the "browser": the provider URL it redirects to. */
async function startSignIn(
  jar: CookieJar,
  integrationId: string,
  endUserId: string,
  returnUrl: string | null = 'https://app.example.com/done',
) {
  const s = await api('/connect-sessions', {
    method: 'POST',
    body: JSON.stringify({ integrationId, endUserId, ...(returnUrl ? { returnUrl } : {}) }),
  });
  expect(s.status).toBe(201);
  const { url } = (await s.json()) as { url: string };
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.take(res);
  return { res, url, location: res.headers.get('location') ?? '' };
}

/** The provider's redirect back, in the "browser". */
async function callbackWith(jar: CookieJar, query: Record<string, string>) {
  const res = await fetch(`${rt.url}/oauth/callback?${new URLSearchParams(query)}`, {
    redirect: 'manual',
    headers: { cookie: jar.header() },
  });
  jar.take(res);
  const text = await res.text();
  return {
    status: res.status,
    location: res.headers.get('location'),
    code: /id="error-code">([^<]+)</.exec(text)?.[1],
    contentType: res.headers.get('content-type'),
    text,
  };
}

const token = async (id: string) => {
  const res = await api(`/connections/${id}/access-token`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-conn-'));
  secretsFile = join(dir, 'secrets.json');
  stub = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', async () => {
      await beforeTokenAnswer?.();
      calls.push(Object.fromEntries(new URLSearchParams(raw)));
      const a = answers.length > 1 ? answers.shift()! : answers[0]!;
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', () => r()));
  stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  await writeFile(
    secretsFile,
    JSON.stringify({
      'hookbridge/oauth/stub': { clientId: 'cid', clientSecret: 'csecret' },
      'hookbridge/oauth/canary': { clientId: 'cid', clientSecret: 'csecret' },
      'hookbridge/oauth/internal': { clientId: 'cid', clientSecret: 'csecret' },
      'hookbridge/oauth/shop': { clientId: 'cid', clientSecret: 'csecret' },
      'hookbridge/oauth/slackint': { clientId: 'cid', clientSecret: 'csecret' },
    }),
  );
  // The stub is on loopback: only the local-mode test allow list lets the SSRF guard reach it.
  rt = await startLocal({
    port: 0,
    secretsFile,
    apiKey: API_KEY,
    overrides: { clock: { now: () => Date.now() + offsetMs } },
    env: { HOOKBRIDGE_TEST_ALLOW_HOSTS: new URL(stubUrl).host },
  });
  connectionOverrides({ sleep: async () => {} });
  rt.configure({ appEvents: { publish: async (e: AppEvent) => void events.push(e) } });
  const put = await api('/integrations/stub', {
    method: 'PUT',
    body: JSON.stringify({
      type: 'oauth',
      provider: 'oauth2',
      authorizationUrl: `${stubUrl}/authorize`,
      tokenUrl: `${stubUrl}/token`,
      allowedReturnUrls: ['https://app.example.com/done'],
    }),
  });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  await rt?.close();
  if (stub) await new Promise<void>((r) => stub.close(() => r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  answers = [ok()];
  calls.length = 0;
  events.length = 0;
  offsetMs = 0;
});

describe('integrations API', () => {
  it('creates, replaces and reads an integration', async () => {
    const body = {
      type: 'oauth',
      provider: 'microsoft',
      params: { tenant: 'contoso' },
      scopes: ['User.Read'],
      allowedReturnUrls: ['https://app.example.com/done'],
    };
    const first = await api('/integrations/ms', { method: 'PUT', body: JSON.stringify(body) });
    expect(first.status).toBe(201);
    const created = (await first.json()) as { createdAt: string; secretName: string };
    expect(created.secretName).toBe('hookbridge/oauth/ms');
    const second = await api('/integrations/ms', {
      method: 'PUT',
      body: JSON.stringify({ ...body, scopes: ['Mail.Read'] }),
    });
    expect(second.status).toBe(200);
    const got = (await (await api('/integrations/ms')).json()) as {
      config: { scopes: string[] };
      createdAt: string;
    };
    expect(got.config.scopes).toEqual(['Mail.Read']);
    expect(got.createdAt).toBe(created.createdAt);
    expect((await api('/integrations/nope')).status).toBe(404);
  });

  it('secretName is the secret the integration’s type is read from (the proxy reads the same)', async () => {
    const cases = [
      ['sn-key', { type: 'api-key', baseUrl: 'https://a.example' }, 'hookbridge/apikeys/sn-key'],
      [
        'sn-cc',
        {
          type: 'client-credentials',
          tokenUrl: 'https://a.example/token',
          baseUrl: 'https://a.example',
          allowedHosts: ['a.example'],
        },
        'hookbridge/oauth/sn-cc',
      ],
      [
        'sn-oauth',
        { type: 'oauth', provider: 'google', allowedReturnUrls: ['https://app.example.com/done'] },
        'hookbridge/oauth/sn-oauth',
      ],
    ] as const;
    for (const [id, body, secretName] of cases) {
      const put = await api(`/integrations/${id}`, { method: 'PUT', body: JSON.stringify(body) });
      expect(put.status).toBe(201);
      expect(((await put.json()) as { secretName: string }).secretName).toBe(secretName);
      const got = await api(`/integrations/${id}`);
      expect(got.status).toBe(200);
      expect(((await got.json()) as { secretName: string }).secretName).toBe(secretName);
    }
    const list = (await (await api('/integrations')).json()) as {
      items: { id: string; secretName: string }[];
    };
    expect(list.items.find((i) => i.id === 'sn-key')?.secretName).toBe('hookbridge/apikeys/sn-key');
  });

  it('refuses bad bodies with a named problem', async () => {
    const missing = await api('/integrations/ms2', {
      method: 'PUT',
      body: JSON.stringify({
        type: 'oauth',
        provider: 'microsoft',
        allowedReturnUrls: ['https://a.example/x'],
      }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      code: 'invalid_request',
      detail: expect.stringContaining('tenant'),
    });
    const unknown = await api('/integrations/x', {
      method: 'PUT',
      body: JSON.stringify({ type: 'oauth', provider: 'nosuch', allowedReturnUrls: ['https://a.example/x'] }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { code: string }).code).toBe('invalid_request');
    const bad = await api('/integrations/x', {
      method: 'PUT',
      body: JSON.stringify({ type: 'oauth', provider: 'google', allowedReturnUrls: ['http://a.example/x'] }),
    });
    expect(bad.status).toBe(400);
    expect((await api('/integrations/x')).status).toBe(404);
  });

  it('enforces scopes', async () => {
    const created = await api('/api-keys', {
      method: 'POST',
      body: JSON.stringify({ name: 'reader', scopes: ['connections:read'] }),
    });
    const { key } = (await created.json()) as { key: string };
    const put = await api(
      '/integrations/y',
      { method: 'PUT', body: JSON.stringify({ type: 'api-key', baseUrl: 'https://a.example' }) },
      key,
    );
    expect(put.status).toBe(403);
    const c = await seedConnection('scoped');
    const tok = await api(`/connections/${c.id}/access-token`, {}, key);
    expect(tok.status).toBe(403);
    expect(((await tok.json()) as { code: string }).code).toBe('insufficient_scope');
    expect((await api(`/connections/${c.id}`, {}, key)).status).toBe(200);
  });
});

describe('connect sessions', () => {
  it('refuses unknown or non-OAuth integrations and foreign return URLs; nothing stored', async () => {
    const post = (b: unknown) => api('/connect-sessions', { method: 'POST', body: JSON.stringify(b) });
    expect((await post({ integrationId: 'nope', endUserId: 'u' })).status).toBe(404);
    await api('/integrations/keyed', {
      method: 'PUT',
      body: JSON.stringify({ type: 'api-key', baseUrl: 'https://a.example' }),
    });
    expect((await post({ integrationId: 'keyed', endUserId: 'u' })).status).toBe(400);
    const evil = await post({
      integrationId: 'stub',
      endUserId: 'u',
      returnUrl: 'https://evil.example/done',
    });
    expect(evil.status).toBe(400);
    expect(((await evil.json()) as { code: string }).code).toBe('invalid_return_url');
    const good = await post({
      integrationId: 'stub',
      endUserId: 'u',
      returnUrl: 'https://app.example.com/done',
    });
    expect(good.status).toBe(201);
    const s = (await good.json()) as { url: string; expiresAt: string };
    expect(s.url).toMatch(new RegExp(`^${rt.url}/oauth/authorize\\?session=cs_`));
    expect(Date.parse(s.expiresAt) - Date.now()).toBeLessThanOrEqual(30 * 60_000);
  });
});

describe('refresh', () => {
  it('a fresh token is served without calling the provider', async () => {
    const c = await seedConnection('fresh', { expiresAt: Date.now() + 3_600_000 });
    const { status, body } = await token(c.id);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      accessToken: 'seed-fresh',
      tokenType: 'Bearer',
      connectionId: c.id,
      integrationId: 'stub',
      provider: 'oauth2',
    });
    expect(calls).toHaveLength(0);
  });

  it('transient failures retry; a missing refresh token in the answer keeps the old one', async () => {
    const c = await seedConnection('transient');
    answers = [{ status: 503, body: {} }, { status: 502, body: {} }, ok()];
    const first = await token(c.id);
    expect(first.status).toBe(200);
    expect(calls.map((b) => b.refresh_token)).toEqual(['rt-transient', 'rt-transient', 'rt-transient']);
    offsetMs = 3_600_000; // an hour later: due again
    answers = [ok()];
    const second = await token(c.id);
    expect(second.status).toBe(200);
    expect(calls.at(-1)!.refresh_token).toBe('rt-transient');
    expect(second.body.accessToken).not.toBe(first.body.accessToken);
  });

  it('a rotated refresh token replaces the old one', async () => {
    const c = await seedConnection('rotating');
    answers = [ok({ refresh_token: 'rt-rotated' })];
    expect((await token(c.id)).status).toBe(200);
    offsetMs = 3_600_000;
    expect((await token(c.id)).status).toBe(200);
    expect(calls.map((b) => b.refresh_token)).toEqual(['rt-rotating', 'rt-rotated']);
  });

  it('a rotated refresh token is kept even when the lease ran out during the refresh', async () => {
    const c = await seedConnection('slow-rotation');
    answers = [ok({ refresh_token: 'rt-rotated-late' })];
    beforeTokenAnswer = async () => {
      // The refresh outlives its 30 s lease and another process takes the lease over.
      offsetMs += 31_000;
      const deps = rt.container.connections;
      expect(await deps.store.acquireLease(c.id, 'another-process', deps.now(), 30_000)).toBe(true);
    };
    try {
      expect((await token(c.id)).status).toBe(200);
    } finally {
      beforeTokenAnswer = undefined;
      // The other process is done too: its lease would hold up the scheduled refresher's test.
      await rt.container.connections.store.releaseLease(c.id, 'another-process');
    }
    const stored = (await rt.container.connections.store.get(c.id))!;
    expect(stored.version).toBe(2);
    const tokens = await (await rt.container.connections.vault()).open<{ refreshToken: string }>(
      stored.tokens,
    );
    expect(tokens.refreshToken).toBe('rt-rotated-late');
  });

  it('invalid_grant persisting across retries and the window makes the connection needs_reauth', async () => {
    const c = await seedConnection('revoked');
    const active = await seedConnection('revoked-neighbour', { expiresAt: Date.now() + 3_600_000 });
    answers = [{ status: 400, body: { error: 'invalid_grant' } }];
    const first = await token(c.id);
    expect(first.status).toBe(502);
    expect(first.body).toMatchObject({ code: 'token_exchange_failed', providerError: 'invalid_grant' });
    expect(JSON.stringify(first.body)).not.toContain('rt-revoked');
    expect(events.map((e) => e.type)).toEqual(['connection.refresh_failed']);
    expect((await token(c.id)).status).toBe(502); // 2 failures, inside the window
    offsetMs = 11 * 60_000;
    const third = await token(c.id);
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('needs_reauth');
    expect(events.map((e) => [e.type, e.data.status])).toEqual([
      ['connection.refresh_failed', 'active'],
      ['connection.refresh_failed', 'needs_reauth'],
    ]);
    const view = (await (await api(`/connections/${c.id}`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ status: 'needs_reauth', refreshFailures: 3, lastError: 'invalid_grant' });
    const list = (await (await api('/connections?integrationId=stub&status=needs_reauth')).json()) as {
      items: { id: string; status: string }[];
    };
    // Other tests leave connections of their own; the filter lists this one and no active one.
    expect(list.items.map((i) => i.id)).toContain(c.id);
    expect(list.items.map((i) => i.id)).not.toContain(active.id);
    expect(list.items.every((i) => i.status === 'needs_reauth')).toBe(true);
    const callsBefore = calls.length;
    expect((await token(c.id)).status).toBe(409);
    expect(calls.length).toBe(callsBefore);
  });

  it('only an unbroken invalid_grant streak counts: earlier transient failures and a break reset it', async () => {
    // 5 transient failures over 20 minutes, then one invalid_grant: not needs_reauth.
    const c = await seedConnection('streak', {
      refreshFailures: 5,
      firstFailureAt: Date.now() - 20 * 60_000,
      lastError: 'http_503',
    });
    answers = [{ status: 400, body: { error: 'invalid_grant' } }];
    const first = await token(c.id);
    expect(first.status).toBe(502);
    expect(first.body.code).toBe('token_exchange_failed');
    expect((await token(c.id)).status).toBe(502); // streak 2
    offsetMs = 11 * 60_000;
    answers = [{ status: 503, body: {} }]; // a transient failure breaks the streak
    expect((await token(c.id)).status).toBe(502);
    const broken = (await rt.container.connections.store.get(c.id))!;
    expect(broken.invalidGrantStreak).toBeUndefined();
    expect(broken.refreshFailures).toBe(8);
    answers = [{ status: 400, body: { error: 'invalid_grant' } }];
    expect((await token(c.id)).status).toBe(502);
    expect((await token(c.id)).status).toBe(502);
    offsetMs = 22 * 60_000;
    const third = await token(c.id); // 3 in a row spanning 11 minutes: now it is gone
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('needs_reauth');
  });

  it('a success after failures emits connection.recovered', async () => {
    const c = await seedConnection('flaky', {
      refreshFailures: 2,
      firstFailureAt: Date.now() - 1000,
      lastError: 'invalid_grant',
    });
    expect((await token(c.id)).status).toBe(200);
    expect(events.map((e) => e.type)).toEqual(['connection.recovered']);
    expect(JSON.stringify(events)).not.toMatch(/at-\d|rt-flaky/);
    const view = (await (await api(`/connections/${c.id}`)).json()) as Record<string, unknown>;
    expect(view.refreshFailures).toBe(0);
    expect(view.lastError).toBeUndefined();
  });
});

// The tokens here have expired: a still-valid one is answered through a timeout (e2e/oidc-fidelity).
const expired = () => ({ expiresAt: Date.now() - 1_000, tokenIssuedAt: Date.now() - 3_601_000 });

describe('time budget', () => {
  it('a slow token endpoint answers 504 upstream_timeout once the budget runs out, not counted as a failure', async () => {
    connectionOverrides({ sleep: async () => {}, tokenBudgetMs: 400 });
    const c = await seedConnection('slow-endpoint', expired());
    beforeTokenAnswer = () => new Promise((r) => setTimeout(r, 2_000));
    try {
      const started = Date.now();
      const res = await api(`/connections/${c.id}/access-token`);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(res.status).toBe(504);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { code: string }).code).toBe('upstream_timeout');
    } finally {
      beforeTokenAnswer = undefined;
      connectionOverrides({ sleep: async () => {} });
    }
    const after = (await rt.container.connections.store.get(c.id))!;
    expect(after.refreshFailures).toBe(0);
    expect(after.leaseOwner).toBeUndefined(); // released
    // The stand-in records the abandoned request when its 2 s delay ends: not in a later test's calls.
    await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 3_000 });
  });

  it('a token endpoint that hangs: a still-valid token is answered after 5 s, and the refresh still lands', async () => {
    const c = await seedConnection('hanging-endpoint'); // 60 s left: inside the margin, still valid
    beforeTokenAnswer = () => new Promise((r) => setTimeout(r, 7_000));
    try {
      const started = Date.now();
      const res = await token(c.id);
      const took = Date.now() - started;
      expect(res.status).toBe(200);
      expect(res.body.accessToken).toBe('seed-hanging-endpoint');
      expect(took).toBeGreaterThanOrEqual(4_900);
      expect(took).toBeLessThan(6_500);
    } finally {
      beforeTokenAnswer = undefined;
    }
    await vi.waitFor(async () => expect((await token(c.id)).body.accessToken).toMatch(/^at-/), {
      timeout: 8_000,
      interval: 500,
    });
    expect(calls).toHaveLength(1);
  });

  it("waiting on another process's lease stops at the budget with 504", async () => {
    connectionOverrides({ sleep: (ms) => new Promise((r) => setTimeout(r, ms)), tokenBudgetMs: 300 });
    const c = await seedConnection('leased', expired());
    const deps = rt.container.connections;
    expect(await deps.store.acquireLease(c.id, 'another-process', deps.now(), 30_000)).toBe(true);
    try {
      const started = Date.now();
      const res = await token(c.id);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(res.status).toBe(504);
      expect(res.body.code).toBe('upstream_timeout');
      expect(calls).toHaveLength(0);
    } finally {
      connectionOverrides({ sleep: async () => {} });
      await deps.store.releaseLease(c.id, 'another-process');
    }
  });
});

describe('decrypted-token cache', () => {
  it('a delete + reconnect done by another process (version back at 1) serves the new token, not the cached one', async () => {
    const c = await seedConnection('cached', { expiresAt: Date.now() + 3_600_000 });
    expect((await token(c.id)).body.accessToken).toBe('seed-cached'); // now cached in this process
    // Another process deletes and the end user reconnects: same id, version 1 again, new tokens.
    const deps = rt.container.connections;
    expect(await deps.store.delete(c.id)).toBe(true);
    const vault = await deps.vault();
    const again = await seedConnection('cached', {
      expiresAt: Date.now() + 3_600_000,
      tokens: await vault.seal({ accessToken: 'reconnected-token', tokenType: 'Bearer' }),
    });
    expect(again.version).toBe(1);
    const { status, body } = await token(c.id);
    expect(status).toBe(200);
    expect(body.accessToken).toBe('reconnected-token');
  });
});

describe('SSRF guard on OAuth calls', () => {
  it('PUT refuses token, revocation and issuer URLs at private or metadata addresses', async () => {
    for (const body of [
      { provider: 'oauth2', authorizationUrl: 'https://a.example/a', tokenUrl: 'https://10.0.0.1/token' },
      { provider: 'oauth2', authorizationUrl: 'https://a.example/a', tokenUrl: 'https://169.254.169.254/t' },
      {
        provider: 'oauth2',
        authorizationUrl: 'https://a.example/a',
        tokenUrl: 'https://a.example/t',
        revocationUrl: 'https://[::ffff:10.0.0.1]/revoke',
      },
      { provider: 'oidc', issuer: 'https://169.254.169.254' },
      { provider: 'oidc', issuer: 'https://0x0a000001' }, // 10.0.0.1
    ]) {
      const res = await api('/integrations/private', {
        method: 'PUT',
        body: JSON.stringify({ type: 'oauth', allowedReturnUrls: ['https://app.example.com/done'], ...body }),
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('invalid_request');
    }
    expect((await api('/integrations/private')).status).toBe(404);
  });

  it('a refresh against a loopback token URL not on the test allow list is refused before any request leaves', async () => {
    let hits = 0;
    const canary = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (canary.address() as AddressInfo).port;
      const put = await api('/integrations/canary', {
        method: 'PUT',
        body: JSON.stringify({
          type: 'oauth',
          provider: 'oauth2',
          authorizationUrl: `http://127.0.0.1:${port}/authorize`,
          tokenUrl: `http://127.0.0.1:${port}/token`,
          allowedReturnUrls: ['https://app.example.com/done'],
        }),
      });
      expect(put.status).toBe(201); // loopback is accepted in local mode; the call guard still applies
      const c = await seedConnection('canary-user', {
        id: connectionIdFor('canary', 'canary-user'),
        integrationId: 'canary',
      });
      const res = await token(c.id);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'ssrf_blocked' });
      expect(hits).toBe(0);
    } finally {
      await new Promise<void>((r) => canary.close(() => r()));
    }
  });

  it('a token URL whose name resolves to the metadata address is refused at call time', async () => {
    connectionOverrides({
      sleep: async () => {},
      resolver: async () => [{ address: '169.254.169.254', family: 4 }],
    });
    try {
      const put = await api('/integrations/internal', {
        method: 'PUT',
        body: JSON.stringify({
          type: 'oauth',
          provider: 'oauth2',
          authorizationUrl: 'https://idp.internal.example/authorize',
          tokenUrl: 'https://idp.internal.example/token',
          allowedReturnUrls: ['https://app.example.com/done'],
        }),
      });
      expect(put.status).toBe(201);
      const c = await seedConnection('internal-user', {
        id: connectionIdFor('internal', 'internal-user'),
        integrationId: 'internal',
      });
      const res = await token(c.id);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'ssrf_blocked', reason: 'metadata' });
      expect((await rt.container.connections.store.get(c.id))!.refreshFailures).toBe(0); // not a provider failure
    } finally {
      connectionOverrides({ sleep: async () => {} });
    }
  });
});

describe('browser binding cookie', () => {
  it('two sign-ins started in one browser both complete (one cookie per state)', async () => {
    const jar = new CookieJar();
    const a = await startSignIn(jar, 'stub', 'two-tabs-a');
    const b = await startSignIn(jar, 'stub', 'two-tabs-b');
    expect(jar.cookies.size).toBe(2);
    const stateA = new URL(a.location).searchParams.get('state')!;
    const stateB = new URL(b.location).searchParams.get('state')!;
    const backB = await callbackWith(jar, { code: 'code-b', state: stateB });
    expect(backB.status).toBe(302);
    const backA = await callbackWith(jar, { code: 'code-a', state: stateA });
    expect(backA.status).toBe(302);
    expect(backA.location).toContain(`connection_id=${connectionIdFor('stub', 'two-tabs-a')}`);
    expect(jar.cookies.size).toBe(0); // each cleared on success
  });

  it('a wrong cookie value is refused without consuming the state; the right browser still completes', async () => {
    const victim = new CookieJar();
    const { location } = await startSignIn(victim, 'stub', 'bound-user');
    const state = new URL(location).searchParams.get('state')!;
    const attacker = new CookieJar();
    for (const name of victim.cookies.keys()) attacker.cookies.set(name, 'attacker-chosen-value');
    attacker.cookies.set('hb_oauth_binding', 'attacker-chosen-value');
    const evil = await callbackWith(attacker, { code: 'evil-code', state });
    expect(evil.status).toBe(400);
    expect(evil.code).toBe('missing_state_cookie');
    expect(calls).toHaveLength(0); // no code exchange
    const good = await callbackWith(victim, { code: 'good-code', state });
    expect(good.status).toBe(302);
    expect(calls.map((c) => c.code)).toEqual(['good-code']);
  });
});

describe('browser pages (no return URL)', () => {
  const detailOf = (text: string) => /id="error-detail">([^<]*)</.exec(text)?.[1];
  const startAgain = (text: string) => text.match(/start again/gi)?.length ?? 0;

  it('success: "Your account is connected" (no doubled word), the connection id, and the cookie cleared', async () => {
    const jar = new CookieJar();
    const { location } = await startSignIn(jar, 'stub', 'page-ok', null);
    const state = new URL(location).searchParams.get('state')!;
    const page = await callbackWith(jar, { code: 'code-ok', state });
    expect(page.status).toBe(200);
    expect(page.contentType).toContain('text/html');
    expect(page.text).toContain('<p>Your account is connected. You can close this window.</p>');
    expect(page.text).not.toContain('account account');
    expect(page.text).toContain(`<code id="connection-id">${connectionIdFor('stub', 'page-ok')}</code>`);
    expect(jar.cookies.size).toBe(0);
  });

  it('access_denied: 403 "Not connected" page saying access was declined, not invalid_grant; nothing exchanged', async () => {
    const jar = new CookieJar();
    const { location } = await startSignIn(jar, 'stub', 'page-denied', null);
    const state = new URL(location).searchParams.get('state')!;
    const page = await callbackWith(jar, { error: 'access_denied', error_description: 'no', state });
    expect(page.status).toBe(403);
    expect(page.contentType).toContain('text/html');
    expect(page.code).toBe('access_denied');
    expect(page.text).toContain('<h1>Not connected</h1>');
    expect(detailOf(page.text)).toBe('Access was declined at the provider, so nothing was connected.');
    expect(page.text).not.toContain('invalid_grant');
    expect(startAgain(page.text)).toBe(1);
    expect(calls).toHaveLength(0);
    expect((await api(`/connections/${connectionIdFor('stub', 'page-denied')}`)).status).toBe(404);
  });

  it('another provider error is 502 provider_error with its code and description escaped', async () => {
    const jar = new CookieJar();
    const { location } = await startSignIn(jar, 'stub', 'page-scope', null);
    const state = new URL(location).searchParams.get('state')!;
    const page = await callbackWith(jar, {
      error: 'invalid_scope<script>',
      error_description: '<img src=x onerror=alert(1)>',
      state,
    });
    expect(page.status).toBe(502);
    expect(page.code).toBe('provider_error');
    expect(detailOf(page.text)).toBe(
      'The sign-in at the provider failed: it answered &quot;invalid_scope&lt;script&gt;&quot;: &lt;img src=x onerror=alert(1)&gt;.',
    );
    expect(page.text).not.toMatch(/<script|<img/);
    expect(calls).toHaveLength(0);
  });

  it('missing cookie, replayed state and no state: 400 pages that say "start again" once, escaped, no stack', async () => {
    const stranger = await callbackWith(new CookieJar(), { code: 'c', state: '<b>forged</b>' });
    expect(stranger.status).toBe(400);
    expect(stranger.code).toBe('missing_state_cookie');
    expect(detailOf(stranger.text)).toBe('This sign-in did not start in this browser (no binding cookie).');
    const jar = new CookieJar();
    const { location } = await startSignIn(jar, 'stub', 'page-replay', null);
    const state = new URL(location).searchParams.get('state')!;
    const copy = new CookieJar();
    for (const [k, v] of jar.cookies) copy.cookies.set(k, v);
    expect((await callbackWith(jar, { code: 'code-1', state })).status).toBe(200);
    const replayed = await callbackWith(copy, { code: 'code-1', state });
    expect(replayed.status).toBe(400);
    expect(replayed.code).toBe('invalid_state');
    expect(detailOf(replayed.text)).toBe('This sign-in is unknown, has expired or was already used.');
    const noState = await callbackWith(jar, { code: 'c' });
    expect(noState.status).toBe(400);
    expect(noState.code).toBe('invalid_state');
    expect(detailOf(noState.text)).toBe('The callback has no state parameter.');
    for (const p of [stranger, replayed, noState]) {
      expect(p.contentType).toContain('text/html');
      expect(startAgain(p.text)).toBe(1);
      expect(p.text).not.toMatch(/<b>|\.ts:\d|HookbridgeError|csecret/);
    }
  });
});

/** Runs `fn` with the stub's client secret replaced (undefined: removed), then restores the file. */
async function withStubSecret(value: unknown, fn: () => Promise<void>) {
  const saved = await readFile(secretsFile, 'utf8');
  const all = JSON.parse(saved) as Record<string, unknown>;
  if (value === undefined) delete all['hookbridge/oauth/stub'];
  else all['hookbridge/oauth/stub'] = value;
  await writeFile(secretsFile, JSON.stringify(all));
  rt.container.secrets.invalidate();
  try {
    await fn();
  } finally {
    await writeFile(secretsFile, saved);
    rt.container.secrets.invalidate();
  }
}

/** A connect link for the stub integration, without a return URL. */
async function stubLink(endUserId: string): Promise<string> {
  const s = await api('/connect-sessions', {
    method: 'POST',
    body: JSON.stringify({ integrationId: 'stub', endUserId }),
  });
  return ((await s.json()) as { url: string }).url;
}

describe('smaller checks', () => {
  it('a failure before the redirect (client secret unreadable) does not burn the connect link', async () => {
    const jar = new CookieJar();
    const url = await stubLink('retry-link');
    await withStubSecret(undefined, async () => {
      const failed = await fetch(url, { redirect: 'manual' });
      expect(failed.status).toBe(500);
      expect(await failed.text()).toContain('misconfigured');
    });
    const again = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    expect(again.status).toBe(302);
    const used = await fetch(url, { redirect: 'manual' });
    expect(used.status).toBe(400);
    expect(await used.text()).toContain('already been used');
  });

  it('client credentials still the stack placeholder: a 500 page naming the secret and the file to edit; the link survives', async () => {
    const url = await stubLink('placeholder-link');
    await withStubSecret({ clientId: 'REPLACE_ME', clientSecret: 'REPLACE_ME' }, async () => {
      const failed = await fetch(url, { redirect: 'manual' });
      expect(failed.status).toBe(500);
      expect(failed.headers.get('location')).toBeNull();
      const text = await failed.text();
      expect(text).toContain('<code id="error-code">misconfigured</code>');
      const detail = /id="error-detail">([^<]*)</.exec(text)?.[1]?.replaceAll('&quot;', '"');
      expect(detail).toBe(
        `Secret hookbridge/oauth/stub still holds the placeholder REPLACE_ME; edit ${secretsFile} and set "hookbridge/oauth/stub" to {"clientId":"…","clientSecret":"…"}.`,
      );
    });
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);
  });

  it('Slack answering 200 {"ok":false} to auth.revoke is a failed revocation', async () => {
    const put = await api('/integrations/slackint', {
      method: 'PUT',
      body: JSON.stringify({
        type: 'oauth',
        provider: 'slack',
        scopes: ['chat:write'],
        allowedReturnUrls: ['https://app.example.com/done'],
      }),
    });
    expect(put.status).toBe(201);
    const revokes: string[] = [];
    connectionOverrides({
      sleep: async () => {},
      fetch: (async (input: string | URL | Request) => {
        revokes.push(String(input));
        return new Response(JSON.stringify({ ok: false, error: 'invalid_auth' }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }) as typeof fetch,
    });
    try {
      const c = await seedConnection('slack-user', {
        id: connectionIdFor('slackint', 'slack-user'),
        integrationId: 'slackint',
        provider: 'slack',
      });
      const res = await api(`/connections/${c.id}`, { method: 'DELETE' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        deleted: true,
        revokedAtProvider: false,
        revocationError: expect.stringContaining('ok:false (invalid_auth)'),
      });
      expect(revokes).toEqual(['https://slack.com/api/auth.revoke']);
    } finally {
      connectionOverrides({ sleep: async () => {} });
    }
  });

  it('connect-session metadata nested deeper than 8 levels is refused; nothing stored', async () => {
    const nest = (n: number): Record<string, unknown> => (n === 1 ? { leaf: 1 } : { n: nest(n - 1) });
    const post = (metadata: unknown) =>
      api('/connect-sessions', {
        method: 'POST',
        body: JSON.stringify({ integrationId: 'stub', endUserId: 'deep', metadata }),
      });
    const deep = await post(nest(9));
    expect(deep.status).toBe(400);
    expect(JSON.stringify(await deep.json())).toContain('nested at most 8 levels');
    expect((await post(nest(8))).status).toBe(201);
  });
});

describe('Shopify shop from the redirect', () => {
  it("Shopify's full host in the redirect neither overrides nor doubles the integration's shop; a different shop is refused", async () => {
    const tokenCalls: string[] = [];
    connectionOverrides({
      sleep: async () => {},
      fetch: (async (input: string | URL | Request) => {
        tokenCalls.push(String(input));
        return new Response(JSON.stringify({ access_token: 'shpat_1', scope: 'read_products' }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }) as typeof fetch,
    });
    try {
      const put = await api('/integrations/shop', {
        method: 'PUT',
        body: JSON.stringify({
          type: 'oauth',
          provider: 'shopify',
          params: { shop: 'mystore' },
          scopes: ['read_products'],
          allowedReturnUrls: ['https://app.example.com/done'],
        }),
      });
      expect(put.status).toBe(201);
      const jar = new CookieJar();
      const { location } = await startSignIn(jar, 'shop', 'merchant-1');
      expect(new URL(location).host).toBe('mystore.myshopify.com');
      const state = new URL(location).searchParams.get('state')!;
      const back = await callbackWith(jar, { code: 'c1', state, shop: 'mystore.myshopify.com' });
      expect(back.status).toBe(302);
      expect(tokenCalls).toEqual(['https://mystore.myshopify.com/admin/oauth/access_token']);
      const id = connectionIdFor('shop', 'merchant-1');
      const stored = (await rt.container.connections.store.get(id))!;
      expect(stored.providerMetadata.shop).toBe('mystore');

      // A callback naming another shop is refused before the code exchange; nothing stored.
      const jar2 = new CookieJar();
      const second = await startSignIn(jar2, 'shop', 'merchant-2');
      const state2 = new URL(second.location).searchParams.get('state')!;
      const evil = await callbackWith(jar2, { code: 'c2', state: state2, shop: 'evil.myshopify.com' });
      expect(evil.status).toBe(400);
      expect(evil.code).toBe('invalid_request');
      expect(tokenCalls).toHaveLength(1);
      expect(await rt.container.connections.store.get(connectionIdFor('shop', 'merchant-2'))).toBeUndefined();
    } finally {
      connectionOverrides({ sleep: async () => {} });
    }
  });
});

describe('scheduled refresher and vault re-encryption', () => {
  it('refreshes connections near expiry and leaves fresh ones alone', async () => {
    const due = await seedConnection('due');
    const fresh = await seedConnection('not-due', { expiresAt: Date.now() + 3_600_000 });
    const stats = await runRefresher(rt.container.connections);
    expect(stats.refreshed).toBeGreaterThanOrEqual(1);
    expect(calls.map((b) => b.refresh_token)).toContain('rt-due');
    expect(calls.map((b) => b.refresh_token)).not.toContain('rt-not-due');
    const after = await rt.container.connections.store.get(due.id);
    expect(after!.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect((await rt.container.connections.store.get(fresh.id))!.version).toBe(1);
  });

  it('re-encrypts every connection under the new key, resumably', async () => {
    const c = await seedConnection('vaulted', { expiresAt: Date.now() + 3_600_000 });
    const secrets = JSON.parse(await readFile(secretsFile, 'utf8')) as Record<
      string,
      { current: string; keys: Record<string, string> }
    >;
    const vault = secrets['hookbridge/vault']!;
    vault.keys.k2 = Buffer.alloc(32, 7).toString('base64');
    vault.current = 'k2';
    await writeFile(secretsFile, JSON.stringify(secrets));
    rt.container.secrets.invalidate();
    const progress: number[] = [];
    const out = await reencryptAll(rt.container.connections, { onProgress: (p) => progress.push(p.scanned) });
    expect(out.resealed).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    const item = await rt.container.connections.store.get(c.id);
    expect(TokenVault.kidOf(item!.tokens)).toBe('k2');
    expect(item!.kid).toBe('k2');
    expect((await reencryptAll(rt.container.connections)).resealed).toBe(0);
    const { status, body } = await token(c.id);
    expect(status).toBe(200);
    expect(body.accessToken).toBe('seed-vaulted');
  });
});

describe('GET /connections cursor', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const list = async (q: string) => {
    const res = await api(`/connections?${q}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('pages with the cursors it returns, by end user (gsi1) and across all (gsi2)', async () => {
    await seedConnection('cursor-user-1');
    await seedConnection('cursor-user-2');
    for (const q of ['endUserId=cursor-user-1&', '']) {
      const first = await list(`${q}limit=1`);
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      // The same paging field as every other list.
      expect(first.body).not.toHaveProperty('nextCursor');
      const cursor = first.body.cursor as string;
      expect(typeof cursor).toBe('string');
      const next = await list(`${q}limit=1&cursor=${cursor}`);
      expect(next.status).toBe(200);
    }
  });

  it('refuses tampered cursors with 400 invalid_cursor (never a 503)', async () => {
    for (const [q, key] of [
      ['', { pk: 'x' }],
      ['', { pk: 'x', gsi1pk: 'events' }],
      ['', { pk: 'x', sk: 'y', gsi1pk: 'a', gsi1sk: 'b' }],
      ['', { pk: 'x', sk: 'y', gsi2pk: 'a', gsi2sk: 'b', more: 'c' }],
      ['', { pk: 'x', sk: 'y', gsi2pk: 'a', gsi2sk: 1 }],
      ['endUserId=u&', { pk: 'x', sk: 'y', gsi2pk: 'a', gsi2sk: 'b' }],
      ['', 'pk'],
    ] as const) {
      const res = await list(`${q}cursor=${b64(key)}`);
      expect(res.body, JSON.stringify(key)).toMatchObject({ status: 400, code: 'invalid_cursor' });
    }
    expect((await list('cursor=!!!')).body).toMatchObject({ status: 400, code: 'invalid_cursor' });
  });
});

describe('store failure', () => {
  it('the access-token route answers 503 when DynamoDB is down', async () => {
    // A runtime of its own: the other tests keep the shared store.
    await withStoreDown({ secretsFile, apiKey: API_KEY }, async (down) => {
      const res = await fetch(`${down.url}/connections/${connectionIdFor('stub', 'fresh')}/access-token`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe('store_unavailable');
    });
  });
});

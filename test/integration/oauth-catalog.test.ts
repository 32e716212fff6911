/**
 * Every OAuth catalog provider, end to end through the local runtime against a local stand-in
 * shaped like that provider's documented requests and answers (test/support/oauth-standins):
 * the authorization redirect, the code exchange, post-connect values, two refreshes (rotation:
 * the second must send the refresh token the first returned), a proxied API call with the
 * provider's required headers, and revocation at delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { connectionIdFor } from '../../shared/connections/flow.js';
import { refreshWithLease } from '../../shared/connections/tokens.js';
import { PROVIDERS } from '../../shared/oauth/providers.js';
import { rawRequest } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { STANDIN_SPECS } from '../support/oauth-standins/providers.js';
import {
  hostsOf,
  type Standin,
  type StandinSpec,
  standinResolver,
  standinTransport,
  startStandin,
} from '../support/oauth-standins/standin.js';
import { expectProblem } from '../support/problem.js';
import { seedConnection } from '../support/seed-connection.js';

let rt: LocalRuntime;
let standin: Standin;
let temp: TempSecrets;
const RETURN_URL = 'https://app.example.com/done';
const clientOf = (key: string) => ({ clientId: `cid-${key}`, clientSecret: `secret ${key}/+` });

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${rt.url}${path}`, {
    ...init,
    redirect: 'manual',
    headers: {
      authorization: `Bearer ${TEST_ADMIN_KEY}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });

beforeAll(async () => {
  standin = await startStandin();
  temp = await writeTempSecrets('hb-catalog-', {
    ...Object.fromEntries(STANDIN_SPECS.map((s) => [`hookbridge/oauth/${s.key}`, clientOf(s.key)])),
    'hookbridge/apikeys/gh-pat': { apiKey: 'github_pat_11' },
  });
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: TEST_ADMIN_KEY,
    env: { HOOKBRIDGE_LOG_LEVEL: 'error' },
    overrides: {
      resolver: standinResolver(hostsOf(STANDIN_SPECS)),
      transport: standinTransport(standin.port),
      sleep: async () => {},
    },
  });
});

afterAll(async () => {
  await rt?.close();
  await standin?.close();
  await temp?.remove();
});

/** The authorization redirect: endpoint, the standard parameters, the catalog's own. */
/** The provider's integration, as each test needs it whatever ran before (201 created, 200 replaced). */
async function putIntegration(spec: StandinSpec) {
  const put = await api(`/integrations/${spec.key}`, {
    method: 'PUT',
    body: JSON.stringify({
      type: 'oauth',
      provider: spec.provider,
      allowedReturnUrls: [RETURN_URL],
      ...spec.integration,
    }),
  });
  expect([200, 201], await put.clone().text()).toContain(put.status);
}

async function authorize(spec: StandinSpec): Promise<{ state: string; cookie: string }> {
  const session = await api('/connect-sessions', {
    method: 'POST',
    body: JSON.stringify({ integrationId: spec.key, endUserId: 'u1', returnUrl: RETURN_URL }),
  });
  expect(session.status).toBe(201);
  const { url } = (await session.json()) as { url: string };
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const to = new URL(res.headers.get('location')!);
  expect(`${to.origin}${to.pathname}`).toBe(spec.authorize.url);
  const q = Object.fromEntries(to.searchParams);
  expect(q).toMatchObject({
    response_type: 'code',
    client_id: clientOf(spec.key).clientId,
    redirect_uri: `${rt.url}/oauth/callback`,
    ...spec.authorize.params,
  });
  expect(q.code_challenge_method).toBe(spec.authorize.pkce ? 'S256' : undefined);
  const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
  return { state: q.state!, cookie };
}

async function callback(spec: StandinSpec, state: string, cookie: string): Promise<string> {
  const query = new URLSearchParams({ code: `code-${spec.key}`, state, ...spec.callback });
  const res = await fetch(`${rt.url}/oauth/callback?${query}`, { redirect: 'manual', headers: { cookie } });
  expect(res.status, await res.clone().text()).toBe(302);
  const back = new URL(res.headers.get('location')!);
  expect(back.searchParams.get('connection_id')).toBe(connectionIdFor(spec.key, 'u1'));
  return back.searchParams.get('connection_id')!;
}

async function refreshTwice(spec: StandinSpec, id: string) {
  const deps = rt.container.connections;
  for (const n of [2, 3]) {
    const before = (await deps.store.get(id))!;
    const fresh = await refreshWithLease(deps, id, before.version, true);
    expect(fresh.accessToken).toBe(standin.issued[n - 1]!.access);
    const stored = (await deps.store.get(id))!;
    const tokens = await (await deps.vault()).open<{ refreshToken?: string }>(stored.tokens);
    // Rotation: the new refresh token is kept; without one, the old one stays.
    expect(tokens.refreshToken).toBe(standin.issued.at(-1)!.refresh);
  }
  const rotated = standin.issued.map((t) => t.refresh);
  expect(new Set(rotated).size).toBe(spec.token.refresh!.rotates ? 3 : 1);
}

async function proxiedCall(spec: StandinSpec, id: string) {
  const headers: Record<string, string> = { ...spec.api.callerHeaders };
  if (spec.api.base) headers['X-Hookbridge-Api-Base'] = spec.api.base;
  const query = new URL(spec.api.url).search;
  // node:http, so the caller sends exactly these headers (fetch would add its own User-Agent).
  const res = await rawRequest(
    `${rt.url}/proxy/${id}/${spec.api.path}${query}`,
    { method: spec.api.method, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...headers } },
    spec.api.method === 'POST' ? '{}' : undefined,
  );
  expect(res.status, res.body).toBe(200);
  expect(JSON.parse(res.body)).toEqual({ ok: true, provider: spec.provider });
}

const at = (r: { headers: { host?: string | undefined }; url: string }) =>
  `https://${r.headers.host}${r.url.split('?')[0]}`;
const grantOf = (body: string): string | null =>
  body.startsWith('{')
    ? ((JSON.parse(body) as { grant_type?: string }).grant_type ?? null)
    : new URLSearchParams(body).get('grant_type');

describe('OAuth catalog against documented stand-ins', () => {
  it('covers every deployable catalog provider', () => {
    const deployable = [...PROVIDERS.values()].filter((e) => !e.localOnly).map((e) => e.slug);
    expect(deployable).toHaveLength(16);
    expect(new Set(STANDIN_SPECS.map((s) => s.provider))).toEqual(new Set(deployable));
  });

  it.each(STANDIN_SPECS.map((s) => [s.key, s] as const))(
    '%s: authorize, exchange, refresh (rotation), proxy, revoke',
    async (_key, spec) => {
      standin.use(spec, clientOf(spec.key), `${rt.url}/oauth/callback`);
      await putIntegration(spec);

      const { state, cookie } = await authorize(spec);
      const id = await callback(spec, state, cookie);
      const stored = (await rt.container.connections.store.get(id))!;
      expect(stored.providerMetadata).toMatchObject(spec.metadata);
      expect(stored.hasRefreshToken).toBe(spec.token.refresh !== undefined);

      if (spec.token.refresh) await refreshTwice(spec, id);
      await proxiedCall(spec, id);

      const del = await api(`/connections/${id}`, { method: 'DELETE' });
      expect(del.status).toBe(200);
      expect(await del.json()).toMatchObject({
        deleted: true,
        revokedAtProvider: spec.revoke ? true : 'unsupported',
      });
      expect(standin.mismatches).toEqual([]);
      expect(standin.seen.filter((r) => at(r) === spec.revoke?.url)).toHaveLength(
        spec.revoke?.tokens.length ?? 0,
      );
      const refreshes = standin.seen.filter(
        (r) => at(r) === spec.token.url && grantOf(r.body) === 'refresh_token',
      );
      expect(refreshes).toHaveLength(spec.token.refresh ? 2 : 0);
    },
  );

  it("a catalog provider's API key gets its headers too: GitHub's User-Agent", async () => {
    standin.use(STANDIN_SPECS.find((s) => s.key === 'github')!, clientOf('github'), '');
    const put = await api('/integrations/gh-pat', {
      method: 'PUT',
      body: JSON.stringify({ type: 'api-key', provider: 'github' }),
    });
    expect(put.status).toBe(201);
    const res = await rawRequest(`${rt.url}/proxy/integrations/gh-pat/user`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(res.status).toBe(200);
    expect(standin.seen.map((r) => [r.url, r.headers.authorization, r.headers['user-agent']])).toEqual([
      ['/user', 'Bearer github_pat_11', 'Hookbridge'],
    ]);
  });

  it('an unknown X-Hookbridge-Api-Base is a 400 naming the bases, and nothing is sent', async () => {
    const dropbox = STANDIN_SPECS.find((s) => s.key === 'dropbox')!;
    standin.use(dropbox, clientOf('dropbox'), '');
    await putIntegration(dropbox);
    const id = 'conn_dropbox_bases';
    expect(await seedConnection(rt, { id, integrationId: 'dropbox', provider: 'dropbox' })).toBe(true);
    const call = (headers: Record<string, string>) =>
      api(`/proxy/${id}/2/files/download`, { method: 'POST', headers });
    const body = await expectProblem(
      await call({ 'X-Hookbridge-Api-Base': 'uploads' }),
      400,
      'invalid_request',
    );
    expect(body.detail).toBe(
      'X-Hookbridge-Api-Base "uploads" is not one of this provider\'s API bases: content',
    );
    expect(standin.seen).toEqual([]);
  });

  it('a Xero connection whose post-connect call failed is stored without a tenant; the proxy sends none', async () => {
    const spec = STANDIN_SPECS.find((s) => s.key === 'xero')!;
    const broken = { ...spec, postConnect: { url: 'https://api.xero.com/connections-moved', answer: [] } };
    standin.use(broken, clientOf('xero'), `${rt.url}/oauth/callback`);
    await putIntegration(spec);
    const { state, cookie } = await authorize(spec);
    const id = await callback(spec, state, cookie);
    const stored = (await rt.container.connections.store.get(id))!;
    expect(stored.providerMetadata).not.toHaveProperty('tenant_id');
    const res = await api(`/proxy/${id}/api.xro/2.0/Organisation`);
    expect(res.status).toBe(200);
    const apiCall = standin.seen.find((r) => r.url === '/api.xro/2.0/Organisation')!;
    expect(apiCall.headers['xero-tenant-id']).toBeUndefined();
    expect(standin.mismatches).toEqual([
      'xero: unexpected request GET https://api.xero.com/connections',
      'xero: the API call carries xero-tenant-id: 45e4708e-d862-4111-ab3a-dd8cd03913e1 (got undefined)',
    ]);
  });
});

/**
 * The catalog's per-provider rules, one behaviour each: provider refresh-failure codes reaching
 * needs_reauth, the `refresh` flag, environments refused at PUT, the named API base header, the
 * catalog's forwarded and default proxy headers, and which tokens a revocation sends.
 */
import { describe, expect, it } from 'vitest';
import { REAUTH_WINDOW_MS, refreshWithLease } from '../../shared/connections/refresh.js';
import { connectionIdFor } from '../../shared/connections/store-connection.js';
import { getFreshAccessToken } from '../../shared/connections/tokens.js';
import { checkIntegration } from '../../shared/connections/views.js';
import { HookbridgeError } from '../../shared/errors.js';
import { IntegrationConfig } from '../../shared/integrations/schema.js';
import { parseTokenResponse, resolveProvider, revocationTargets } from '../../shared/oauth/protocol.js';
import { catalogEntry, getProvider } from '../../shared/oauth/providers.js';
import { forwardRequestHeaders } from '../../shared/proxy/headers.js';
import { connectionHarness, connectionRecord, json } from '../support/connection-deps.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const GITHUB_TOKEN = 'https://github.com/login/oauth/access_token';

async function githubConnection(provider: 'github' | 'github-app', answer: () => Response) {
  const h = connectionHarness(NOW, { [GITHUB_TOKEN]: answer });
  await h.integration(provider, {
    type: 'oauth',
    provider,
    allowedReturnUrls: ['https://app.example.com/done'],
  });
  const id = connectionIdFor(provider, 'u1');
  const rec = connectionRecord(NOW, {
    id,
    integrationId: provider,
    provider,
    expiresAt: NOW + 60_000,
    tokens: await h.seal({ accessToken: 'ghu_1', refreshToken: 'ghr_1', tokenType: 'bearer' }),
  });
  expect(await h.stores.connections.save(rec, undefined)).toBe(true);
  return { h, id };
}

/** A catalog integration's resolved provider, offline. */
const resolved = (provider: string) =>
  resolveProvider(
    IntegrationConfig.parse({
      type: 'oauth',
      provider,
      allowedReturnUrls: ['https://app.example.com/done'],
    }) as Parameters<typeof resolveProvider>[0],
    {
      fetch: (() => Promise.reject(new Error('offline'))) as typeof fetch,
      now: NOW,
      discoveryCache: new Map(),
    },
  );

describe('provider refresh-failure codes', () => {
  it('Slack: HTTP 200 {"ok":false,"error":"invalid_refresh_token"} counts; a rate limit does not', async () => {
    const p = await resolved('slack');
    expect(
      parseTokenResponse(p, 200, '{"ok":false,"error":"invalid_refresh_token"}', NOW, 'refresh_token'),
    ).toMatchObject({
      error: 'invalid_refresh_token',
      invalidGrant: true,
    });
    expect(
      parseTokenResponse(p, 200, '{"ok":false,"error":"ratelimited"}', NOW, 'refresh_token'),
    ).toMatchObject({
      error: 'ratelimited',
      invalidGrant: false,
    });
  });

  it('GitHub App: HTTP 200 {"error":"bad_refresh_token"} counts like invalid_grant and reaches needs_reauth', async () => {
    const { h, id } = await githubConnection('github-app', () =>
      json({
        error: 'bad_refresh_token',
        error_description: 'The refresh token passed is incorrect or expired.',
      }),
    );
    for (const step of [0, REAUTH_WINDOW_MS / 2]) {
      h.clock.now += step;
      await expect(refreshWithLease(h.deps, id, 1, true)).rejects.toMatchObject({
        code: 'token_exchange_failed',
      });
    }
    expect(await h.stores.connections.get(id)).toMatchObject({
      status: 'active',
      invalidGrantStreak: 2,
      lastError: 'bad_refresh_token',
    });
    h.clock.now += REAUTH_WINDOW_MS / 2;
    await expect(refreshWithLease(h.deps, id, 1, true)).rejects.toMatchObject({ code: 'needs_reauth' });
    expect(await h.stores.connections.get(id)).toMatchObject({
      status: 'needs_reauth',
      invalidGrantStreak: 3,
    });
    expect(h.events.map((e) => e.type)).toEqual(['connection.refresh_failed', 'connection.refresh_failed']);
  });

  it('HubSpot: 400 {"status":"BAD_REFRESH_TOKEN"} is named and counts; other HubSpot refusals do not', async () => {
    const p = await resolved('hubspot');
    const dead = '{"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token"}';
    expect(parseTokenResponse(p, 400, dead, NOW, 'refresh_token')).toMatchObject({
      ok: false,
      error: 'BAD_REFRESH_TOKEN',
      invalidGrant: true,
      transient: false,
    });
    expect(parseTokenResponse(p, 400, '{"status":"error","message":"bad client"}', NOW)).toMatchObject({
      error: 'error',
      invalidGrant: false,
    });
  });
});

describe("the catalog's refresh flag", () => {
  it('GitHub OAuth App (refresh: false): a read near expiry answers the stored token and asks nothing', async () => {
    const { h, id } = await githubConnection('github', () => json({ access_token: 'never' }));
    expect(getProvider('github')!.refresh).toBe(false);
    const view = await getFreshAccessToken(h.deps, id);
    expect(view.accessToken).toBe('ghu_1');
    expect(h.seen).toEqual([]);
    h.clock.now += 120_000; // past expiry: nothing to refresh with, so the user must connect again
    await expect(getFreshAccessToken(h.deps, id)).rejects.toMatchObject({ code: 'needs_reauth' });
    expect(h.seen).toEqual([]);
  });
});

describe('environments', () => {
  const put = (body: Record<string, unknown>) =>
    checkIntegration(
      IntegrationConfig.parse({
        type: 'oauth',
        allowedReturnUrls: ['https://app.example.com/done'],
        ...body,
      }),
    );

  it('sandbox URLs replace production ones; an unknown environment is a 400 naming the choices', () => {
    expect(catalogEntry({ provider: 'salesforce', environment: 'sandbox' })!.tokenUrl).toBe(
      'https://test.salesforce.com/services/oauth2/token',
    );
    expect(catalogEntry({ provider: 'quickbooks', environment: 'sandbox' })!.api).toMatchObject({
      baseUrl: 'https://sandbox-quickbooks.api.intuit.com',
      allowedHosts: ['sandbox-quickbooks.api.intuit.com'],
    });
    expect(catalogEntry({ provider: 'quickbooks' })!.api.allowedHosts).toEqual(['quickbooks.api.intuit.com']);
    expect(put({ provider: 'salesforce', environment: 'sandbox' })).toMatchObject({ environment: 'sandbox' });
    expect(() => put({ provider: 'salesforce', environment: 'staging' })).toThrow(
      new HookbridgeError(
        'invalid_request',
        'Provider "salesforce" has no environment "staging" (it has: sandbox)',
      ),
    );
    expect(() => put({ provider: 'github', environment: 'sandbox' })).toThrow(
      'Provider "github" has no environments',
    );
  });
});

describe('proxy headers from the catalog', () => {
  it("forwards the entry's extra headers, adds its defaults only when the caller sent none, never ours", () => {
    const dropbox = getProvider('dropbox')!.api;
    const incoming = {
      'Dropbox-API-Arg': '{"path":"/a.txt"}',
      ConsistencyLevel: 'eventual',
      'X-Hookbridge-Api-Base': 'content',
      'User-Agent': 'mine/1',
    };
    expect(forwardRequestHeaders(incoming, dropbox.forwardHeaders, { 'user-agent': 'Hookbridge' })).toEqual({
      'dropbox-api-arg': '{"path":"/a.txt"}',
      'user-agent': 'mine/1',
    });
    expect(forwardRequestHeaders({}, [], { 'user-agent': 'Hookbridge' })).toEqual({
      'user-agent': 'Hookbridge',
    });
    expect(forwardRequestHeaders(incoming, getProvider('microsoft')!.api.forwardHeaders)).toMatchObject({
      consistencylevel: 'eventual',
    });
  });

  it('no catalog entry forwards or defaults a credential, cookie or hop-by-hop header', () => {
    const forbidden = /^(authorization|cookie|host|connection|proxy-|x-hookbridge-|x-amz)/;
    for (const slug of ['github', 'notion', 'xero', 'dropbox', 'microsoft', 'atlassian']) {
      const e = getProvider(slug)!;
      for (const h of [...e.api.forwardHeaders, ...Object.keys(e.api.headers), ...Object.keys(e.headers)])
        expect(h, `${slug}: ${h}`).not.toMatch(forbidden);
    }
  });
});

describe('revocation targets', () => {
  const tokens = { accessToken: 'at', refreshToken: 'rt' };
  const targets = (slug: string, t: { accessToken: string; refreshToken?: string } = tokens) =>
    revocationTargets({ revocation: getProvider(slug)!.revocation }, t).map((x) => `${x.hint}=${x.value}`);

  it('Slack revokes the access token and then the rotation refresh token; others as before', () => {
    expect(targets('slack')).toEqual(['access_token=at', 'refresh_token=rt']);
    expect(targets('slack', { accessToken: 'at' })).toEqual(['access_token=at']);
    expect(targets('google')).toEqual(['refresh_token=rt', 'access_token=at']);
    expect(targets('notion')).toEqual(['access_token=at']);
  });
});

import { describe, expect, it } from 'vitest';
import { isAllowedReturnUrl } from '../../shared/connections/flow.js';
import {
  IntegrationConfig,
  integrationConfigSchema,
  serverUrlProblem,
} from '../../shared/integrations/schema.js';
import {
  buildAuthorizationUrl,
  buildRevocationRequest,
  buildTokenRequest,
  checkAuthorizationResponse,
  parseTokenResponse,
  type ResolvedProvider,
  resolveProvider,
} from '../../shared/oauth/protocol.js';
import {
  DEV_ISSUER,
  fillPlaceholders,
  getProvider,
  PROVIDERS,
  ProviderEntry,
  placeholdersOf,
  placeholderValues,
} from '../../shared/oauth/providers.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const blockedFetch = (() => Promise.reject(new Error('network is blocked in unit tests'))) as typeof fetch;
const DEV = 'http://127.0.0.1:3000/dev-oauth';
const PARAMS = { tenant: 'contoso.onmicrosoft.com', shop: 'acme-store' };
/** What the URLs are filled from: the params, and the dev issuer for the local-only `dev` entry. */
const VALUES = { ...PARAMS, [DEV_ISSUER]: DEV };
/** The local-mode schema with the dev provider running, so every catalog entry (`dev` too) parses. */
const LocalConfig = integrationConfigSchema(true, true).config;
const creds = { clientId: 'client id+1', clientSecret: 's3cr/t=' };

const resolve = (slug: string) =>
  resolveProvider(
    LocalConfig.parse({
      type: 'oauth',
      provider: slug,
      scopes: ['read', 'write'],
      allowedReturnUrls: ['https://app.example.com/done'],
      params: PARAMS,
    }) as Parameters<typeof resolveProvider>[0],
    { fetch: blockedFetch, now: NOW, discoveryCache: new Map(), devIssuer: DEV },
  );

describe('provider catalog', () => {
  it('has every required provider', () => {
    for (const slug of [
      'dev',
      'google',
      'microsoft',
      'github',
      'github-app',
      'slack',
      'salesforce',
      'hubspot',
      'notion',
      'shopify',
      'stripe',
      'quickbooks',
      'atlassian',
      'linear',
      'dropbox',
      'zoom',
      'xero',
    ]) {
      expect(PROVIDERS.has(slug), slug).toBe(true);
    }
  });

  it('declares every placeholder it uses', () => {
    for (const e of PROVIDERS.values()) {
      const urls = [e.authorizationUrl, e.tokenUrl, e.revocation?.url ?? ''];
      const known = [...e.params, ...(e.localOnly ? [DEV_ISSUER] : [])];
      for (const p of urls.flatMap(placeholdersOf)) expect(known, `${e.slug}: {${p}}`).toContain(p);
      const postConnect = Object.keys(e.postConnect?.metadata ?? {});
      const apiKnown = [...known, ...e.tokenResponse.metadata, ...e.redirectMetadata, ...postConnect];
      const apiTemplates = [e.api.baseUrl, ...Object.values(e.api.bases), ...Object.values(e.api.headers)];
      for (const p of apiTemplates.flatMap(placeholdersOf))
        expect(apiKnown, `${e.slug} api: {${p}}`).toContain(p);
    }
  });

  for (const e of PROVIDERS.values()) {
    it(`${e.slug}: authorization URL and token request shape`, async () => {
      const p = await resolve(e.slug);
      const scopes = [...p.defaultScopes, 'read', 'write'];
      const url = new URL(
        buildAuthorizationUrl(p, {
          clientId: creds.clientId,
          redirectUri: 'https://hb.example.com/oauth/callback',
          state: 'st',
          scopes,
          codeChallenge: p.pkce ? 'challenge' : undefined,
          nonce: 'n',
          extraParams: { state: 'evil', redirect_uri: 'https://evil.example' },
        }),
      );
      expect(`${url.origin}${url.pathname}`).toBe(fillPlaceholders(e.authorizationUrl, VALUES));
      expect(url.searchParams.get('response_type')).toBe('code');
      expect(url.searchParams.get('client_id')).toBe(creds.clientId);
      expect(url.searchParams.get('redirect_uri')).toBe('https://hb.example.com/oauth/callback');
      expect(url.searchParams.get('state')).toBe('st');
      expect(url.searchParams.get(e.scopeParam)).toBe(scopes.join(e.scopeSeparator));
      expect(url.searchParams.get('code_challenge_method')).toBe(e.pkce ? 'S256' : null);
      for (const [k, v] of Object.entries(e.authorizationParams)) expect(url.searchParams.get(k)).toBe(v);

      const req = buildTokenRequest(
        p,
        {
          grantType: 'authorization_code',
          code: 'c0de',
          redirectUri: 'https://hb.example.com/oauth/callback',
          codeVerifier: 'ver',
        },
        creds,
      );
      expect(req.url).toBe(fillPlaceholders(e.tokenUrl, VALUES));
      expect(req.headers.accept).toBe('application/json');
      const body: Record<string, string> =
        e.tokenRequestFormat === 'json'
          ? JSON.parse(req.body)
          : Object.fromEntries(new URLSearchParams(req.body));
      expect(req.headers['content-type']).toBe(
        e.tokenRequestFormat === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
      );
      expect(body).toMatchObject({
        grant_type: 'authorization_code',
        code: 'c0de',
        code_verifier: 'ver',
        redirect_uri: 'https://hb.example.com/oauth/callback',
      });
      if (e.clientAuth === 'client_secret_basic') {
        expect(req.headers.authorization).toBe(
          `Basic ${Buffer.from('client%20id%2B1:s3cr%2Ft%3D').toString('base64')}`,
        );
        expect(body.client_secret).toBeUndefined();
      } else {
        expect(req.headers.authorization).toBeUndefined();
        expect(body).toMatchObject({ client_id: creds.clientId, client_secret: creds.clientSecret });
      }
      const refresh = buildTokenRequest(p, { grantType: 'refresh_token', refreshToken: 'rt' }, creds);
      const rbody =
        e.tokenRequestFormat === 'json'
          ? JSON.parse(refresh.body)
          : Object.fromEntries(new URLSearchParams(refresh.body));
      expect(rbody).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'rt' });
      const revoke = buildRevocationRequest(p, { value: 'tok', hint: 'refresh_token' }, creds);
      expect(revoke?.url).toBe(e.revocation ? fillPlaceholders(e.revocation.url, VALUES) : undefined);
    });
  }

  it("dev: the local runtime's provider, its URLs below the dev issuer (plain http on loopback, unescaped)", async () => {
    const p = await resolve('dev');
    expect(p).toMatchObject({
      issuer: DEV,
      authorizationUrl: `${DEV}/auth`,
      tokenUrl: `${DEV}/token`,
      revocation: { url: `${DEV}/token/revocation`, prefer: 'refresh_token' },
      defaultScopes: ['openid', 'offline_access', 'profile'],
      pkce: true,
      refresh: true,
    });
    const entry = getProvider('dev')!;
    expect(entry.localOnly).toBe(true);
    expect(fillPlaceholders(entry.api.baseUrl, placeholderValues(entry, {}, DEV))).toBe(DEV);
    expect(entry.api.allowedHosts).toEqual(['127.0.0.1']);
    expect([...PROVIDERS.values()].filter((e) => e.localOnly).map((e) => e.slug)).toEqual(['dev']);
  });

  it('dev without a running dev provider is a 409 conflict saying so, never a URL with a hole', () => {
    expect(() => placeholderValues(getProvider('dev')!, {}, undefined)).toThrow(
      expect.objectContaining({
        code: 'conflict',
        message: expect.stringContaining('it is not running here'),
      }),
    );
    // Other entries never take the dev issuer, even when one is running.
    expect(placeholderValues(getProvider('google')!, { a: 'b' }, DEV)).toEqual({ a: 'b' });
  });

  it('only a localOnly entry may use {dev_issuer}; an http URL is refused elsewhere', () => {
    const base = { ...getProvider('github')!, slug: 'x', localOnly: false };
    expect(ProviderEntry.safeParse({ ...base, tokenUrl: '{dev_issuer}/token' }).success).toBe(false);
    expect(ProviderEntry.safeParse({ ...base, tokenUrl: 'http://example.com/token' }).success).toBe(false);
    expect(
      ProviderEntry.safeParse({ ...base, localOnly: true, tokenUrl: '{dev_issuer}/token' }).success,
    ).toBe(true);
  });

  it('PUT refuses provider "dev" outside local mode, and in local mode when it is not running', () => {
    const body = { type: 'oauth', provider: 'dev', allowedReturnUrls: ['http://127.0.0.1:5173/done'] };
    const issues = (local: boolean, running: boolean) =>
      integrationConfigSchema(local, running).config.safeParse(body).error?.issues;
    expect(issues(false, false)).toEqual([
      expect.objectContaining({
        path: ['provider'],
        message: expect.stringContaining('refused outside local mode'),
      }),
    ]);
    expect(issues(false, true)).toEqual(issues(false, false));
    expect(issues(true, false)).toEqual([
      expect.objectContaining({ path: ['provider'], message: expect.stringContaining('is not running') }),
    ]);
    expect(issues(true, true)).toBeUndefined();
  });
});

describe('token responses', () => {
  it('Slack v2: the user token nested under authed_user, team kept', async () => {
    const p = await resolve('slack');
    const out = parseTokenResponse(
      p,
      200,
      JSON.stringify({
        ok: true,
        app_id: 'A1',
        team: { id: 'T1', name: 'Acme' },
        authed_user: {
          id: 'U1',
          access_token: 'xoxp-1',
          refresh_token: 'xoxe-1',
          expires_in: 43200,
          token_type: 'user',
          scope: 'chat:write,users:read',
        },
      }),
      NOW,
    );
    expect(out).toEqual({
      ok: true,
      tokens: {
        accessToken: 'xoxp-1',
        refreshToken: 'xoxe-1',
        idToken: undefined,
        tokenType: 'user',
        expiresAt: NOW + 43_200_000,
        scopes: ['chat:write', 'users:read'],
        metadata: { 'team.id': 'T1', 'team.name': 'Acme', 'authed_user.id': 'U1', app_id: 'A1' },
      },
    });
    expect(parseTokenResponse(p, 200, '{"ok":false,"error":"invalid_code"}', NOW)).toMatchObject({
      ok: false,
      error: 'invalid_code',
      transient: false,
    });
  });

  it('Salesforce keeps instance_url and fills the API base from it', async () => {
    const p = await resolve('salesforce');
    const out = parseTokenResponse(
      p,
      200,
      JSON.stringify({
        access_token: 'a',
        instance_url: 'https://acme.my.salesforce.com',
        id: 'https://login.salesforce.com/id/1/2',
        token_type: 'Bearer',
      }),
      NOW,
    );
    expect(out.ok && out.tokens.metadata).toEqual({
      instance_url: 'https://acme.my.salesforce.com',
      id: 'https://login.salesforce.com/id/1/2',
    });
    expect(out.ok && out.tokens.expiresAt).toBeUndefined();
    expect(fillPlaceholders(p.api!.baseUrl, out.ok ? out.tokens.metadata : {})).toBe(
      'https://acme.my.salesforce.com',
    );
  });

  it('errors: invalid_grant is final, 5xx and 429 are transient, form-encoded bodies parse', async () => {
    const p = await resolve('github');
    expect(parseTokenResponse(p, 400, '{"error":"invalid_grant","error_description":"bad"}', NOW)).toEqual({
      ok: false,
      error: 'invalid_grant',
      description: 'bad',
      transient: false,
      invalidGrant: true,
    });
    expect(parseTokenResponse(p, 503, 'busy', NOW)).toMatchObject({
      ok: false,
      error: 'http_503',
      transient: true,
    });
    expect(parseTokenResponse(p, 429, '{}', NOW)).toMatchObject({ ok: false, transient: true });
    expect(parseTokenResponse(p, 200, 'access_token=gho_1&scope=repo&token_type=bearer', NOW)).toMatchObject({
      ok: true,
      tokens: { accessToken: 'gho_1', tokenType: 'bearer' },
    });
    expect(parseTokenResponse(p, 200, '{"token_type":"bearer"}', NOW)).toMatchObject({
      ok: false,
      error: 'invalid_token_response',
    });
  });
});

describe('authorization response (RFC 9207)', () => {
  const p = { issuer: 'https://op.example', issResponseSupported: true } as ResolvedProvider;
  const q = (s: string) => new URLSearchParams(s);
  it('accepts an exact iss and returns the code', () => {
    expect(
      checkAuthorizationResponse(p, 'c', q('code=x&state=s&iss=https%3A%2F%2Fop.example'), 's'),
    ).toMatchObject({ kind: 'ok', code: 'x' });
  });
  it('refuses a different or missing iss', () => {
    expect(() =>
      checkAuthorizationResponse(p, 'c', q('code=x&state=s&iss=https%3A%2F%2Fevil.example'), 's'),
    ).toThrow(expect.objectContaining({ code: 'issuer_mismatch' }));
    expect(() => checkAuthorizationResponse(p, 'c', q('code=x&state=s'), 's')).toThrow(
      expect.objectContaining({ code: 'issuer_mismatch' }),
    );
  });
  it('a missing or wrong state is invalid_state, never issuer_mismatch ("missing" contains "iss")', () => {
    const noIssuer = { issResponseSupported: false } as ResolvedProvider;
    expect(() => checkAuthorizationResponse(noIssuer, 'c', q('code=x'), 's')).toThrow(
      expect.objectContaining({ code: 'invalid_state' }),
    );
    expect(() => checkAuthorizationResponse(p, 'c', q('code=x&iss=https%3A%2F%2Fop.example'), 's')).toThrow(
      expect.objectContaining({ code: 'invalid_state' }),
    );
    expect(() =>
      checkAuthorizationResponse(p, 'c', q('code=x&state=other&iss=https%3A%2F%2Fop.example'), 's'),
    ).toThrow(expect.objectContaining({ code: 'invalid_state' }));
  });
  it('a catalog issuer whose discovery failed requires iss (fails closed)', async () => {
    const xero = await resolve('xero'); // discovery goes to blockedFetch and fails
    expect(xero.issResponseSupported).toBe(true);
    expect(() => checkAuthorizationResponse(xero, 'c', q('code=x&state=s'), 's')).toThrow(
      expect.objectContaining({ code: 'issuer_mismatch' }),
    );
    expect(
      checkAuthorizationResponse(xero, 'c', q('code=x&state=s&iss=https%3A%2F%2Fidentity.xero.com'), 's'),
    ).toMatchObject({ kind: 'ok', code: 'x' });
  });
  it('turns provider errors into a result, after the iss check', () => {
    expect(
      checkAuthorizationResponse(
        p,
        'c',
        q('error=access_denied&error_description=no&state=s&iss=https%3A%2F%2Fop.example'),
        's',
      ),
    ).toEqual({ kind: 'provider_error', error: 'access_denied', description: 'no' });
  });
});

describe('return URL allow list', () => {
  const allowed = ['https://app.example.com/settings/connected'];
  it.each([
    ['https://app.example.com/settings/connected', true],
    ['https://app.example.com/settings/connected?tab=1', true],
    ['https://app.example.com/settings/connected/slack', true],
    ['https://app.example.com/settings/connectedx', false],
    ['https://app.example.com/settings', false],
    ['http://app.example.com/settings/connected', false],
    ['https://app.example.com.evil.com/settings/connected', false],
    ['https://user@app.example.com/settings/connected', false],
    ['https://app.example.com/settings/connected#x', false],
    ['javascript:alert(1)', false],
    ['https://app.example.com/settings/connected/..%2f..%2fadmin', false],
    ['https://app.example.com/settings/connected/%2F%2Fevil.example', false],
    ['https://app.example.com/settings/connected/..%5cadmin', false],
    ['https://app.example.com/settings/connected/%5C', false],
    ['not a url', false],
  ])('%s -> %s', (url, ok) => {
    expect(isAllowedReturnUrl(url, allowed)).toBe(ok);
  });
});

describe('integration schema', () => {
  it('accepts the three types and refuses bad ones', () => {
    expect(
      IntegrationConfig.safeParse({
        type: 'oauth',
        provider: 'oidc',
        issuer: 'https://op.example',
        allowedReturnUrls: ['https://a.example/x'],
      }).success,
    ).toBe(true);
    expect(
      IntegrationConfig.safeParse({
        type: 'oauth',
        provider: 'oidc',
        allowedReturnUrls: ['https://a.example/x'],
      }).success,
    ).toBe(false);
    expect(
      IntegrationConfig.safeParse({ type: 'oauth', provider: 'google', allowedReturnUrls: [] }).success,
    ).toBe(false);
    expect(
      IntegrationConfig.safeParse({
        type: 'oauth',
        provider: 'google',
        allowedReturnUrls: ['http://a.example/x'],
      }).success,
    ).toBe(false);
    expect(
      IntegrationConfig.safeParse({
        type: 'api-key',
        baseUrl: 'https://api.example',
        allowedHosts: ['api.example'],
        scheme: { type: 'header', name: 'X-Key' },
      }).success,
    ).toBe(true);
    expect(IntegrationConfig.safeParse({ type: 'api-key', allowedHosts: [] }).success).toBe(false);
    expect(
      IntegrationConfig.safeParse({
        type: 'client-credentials',
        tokenUrl: 'https://a.example/token',
        baseUrl: 'https://a.example',
        allowedHosts: ['a.example'],
      }).success,
    ).toBe(true);
  });
});

describe('server-side URLs (token, revocation, issuer, API base)', () => {
  it.each([
    ['https://login.example.com/token', false, undefined],
    ['https://10.0.0.1/token', false, 'private'],
    ['https://169.254.169.254/latest', false, 'metadata'],
    ['https://0xa9fea9fe/', false, 'metadata'],
    ['https://[fd00:ec2::254]/', false, 'metadata'],
    ['https://127.0.0.1:8443/token', false, 'loopback'],
    ['http://127.0.0.1:8080/token', false, 'https'],
    ['http://localhost:8080/token', false, 'https'],
    ['https://localhost/token', false, 'loopback host'],
    ['http://example.com/token', true, 'https'],
    ['https://10.0.0.1/token', true, 'private'],
    ['http://127.0.0.1:8080/token', true, undefined],
    ['http://localhost:8080/token', true, undefined],
  ] as const)('%s (local mode %s) -> %s', (url, local, problem) => {
    const got = serverUrlProblem(url, local);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(problem);
  });

  it('outside local mode the schema refuses a loopback http issuer', () => {
    const before = process.env.HOOKBRIDGE_LOCAL;
    delete process.env.HOOKBRIDGE_LOCAL;
    try {
      const parsed = IntegrationConfig.safeParse({
        type: 'oauth',
        provider: 'oidc',
        issuer: 'http://127.0.0.1:9000',
        allowedReturnUrls: ['https://a.example/x'],
      });
      expect(parsed.success).toBe(false);
    } finally {
      if (before !== undefined) process.env.HOOKBRIDGE_LOCAL = before;
    }
  });
});

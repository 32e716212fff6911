/**
 * `/oauth/callback` without dynalite: a connect session and `/oauth/authorize` make a real state
 * and binding cookie in the in-memory store, then the callback runs against a scripted OpenID
 * provider (discovery, JWKS, token endpoint) on a fixed clock, with a real vault.
 */
import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { authorize, callback, createConnectSession } from '../../shared/connections/flow.js';
import { connectionIdFor } from '../../shared/connections/store-connection.js';
import { CLIENT, type ConnectionHarness, connectionHarness, json } from '../support/connection-deps.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const BASE = 'https://hooks.example.com';
const ISSUER = 'https://op.test';
const TOKEN_URL = `${ISSUER}/token`;
const RETURN_URL = 'https://app.example.com/done';
const ID = connectionIdFor('op', 'u1');

const keys = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'op-1', alg: 'ES256', use: 'sig' };

let h: ConnectionHarness;
/** The nonce of the sign-in in progress, for the ID token the token endpoint issues. */
let nonce: string | undefined;
let idTokenClaims: Record<string, unknown> = {};

const idToken = () =>
  new SignJWT({ nonce, ...idTokenClaims })
    .setProtectedHeader({ alg: 'ES256', kid: 'op-1' })
    .setIssuer(ISSUER)
    .setAudience(CLIENT.clientId)
    .setSubject('sub-1')
    .setIssuedAt(Math.floor(NOW / 1000))
    .setExpirationTime(Math.floor(NOW / 1000) + 600)
    .sign(keys.privateKey);

beforeEach(async () => {
  nonce = undefined;
  idTokenClaims = {};
  h = connectionHarness(NOW, {
    [`${ISSUER}/.well-known/openid-configuration`]: () =>
      json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: TOKEN_URL,
        jwks_uri: `${ISSUER}/jwks`,
        authorization_response_iss_parameter_supported: true,
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      }),
    [`${ISSUER}/jwks`]: () => json({ keys: [jwk] }),
    [TOKEN_URL]: async () =>
      json({
        access_token: 'at-1',
        refresh_token: 'rt-1',
        id_token: await idToken(),
        token_type: 'Bearer',
        expires_in: 3600,
      }),
  });
  await h.integration('op', {
    type: 'oauth',
    provider: 'oidc',
    issuer: ISSUER,
    allowedReturnUrls: [RETURN_URL],
  });
});

/** A connect session and `/oauth/authorize`: the state, the binding cookie and the PKCE challenge. */
async function signIn(returnUrl: string | null = RETURN_URL) {
  const session = await createConnectSession(
    h.deps,
    { integrationId: 'op', endUserId: 'u1', ...(returnUrl ? { returnUrl } : {}), metadata: { plan: 'pro' } },
    BASE,
  );
  const started = await authorize(h.deps, session.id, BASE);
  const location = new URL(started.location!);
  nonce = location.searchParams.get('nonce') ?? undefined;
  const [pair = ''] = started.cookies![0]!.split(';');
  return {
    state: location.searchParams.get('state')!,
    challenge: location.searchParams.get('code_challenge')!,
    cookie: pair,
    cookieName: pair.slice(0, pair.indexOf('=')),
  };
}

const query = (p: Record<string, string>) => new URLSearchParams(p).toString();
const tokenRequests = () => h.seen.filter((r) => r.url === TOKEN_URL);

describe('OAuth callback over the in-memory stores', () => {
  it('a valid state: code exchanged with PKCE, connection stored encrypted, connection.created, redirect', async () => {
    const s = await signIn();
    const result = await callback(
      h.deps,
      { rawQueryString: query({ code: 'code-1', state: s.state, iss: ISSUER }), cookies: [s.cookie] },
      BASE,
    );
    expect(result).toEqual({
      kind: 'redirect',
      location: `${RETURN_URL}?connection_id=${ID}&integration_id=op`,
      cookies: [`${s.cookieName}=; Path=/oauth; HttpOnly; SameSite=Lax; Secure; Max-Age=0`],
      connectionId: ID,
    });
    const [exchange, ...more] = tokenRequests();
    expect(more).toEqual([]);
    expect(exchange!.form).toEqual({
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: `${BASE}/oauth/callback`,
      code_verifier: expect.any(String),
    });
    const verifier = exchange!.form.code_verifier!;
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(s.challenge);

    const stored = h.stores.connections.items.get(ID)!;
    const { tokens, ...rest } = stored;
    expect(rest).toEqual({
      id: ID,
      integrationId: 'op',
      provider: 'oidc',
      endUserId: 'u1',
      status: 'active',
      scopes: ['openid'],
      metadata: { plan: 'pro' },
      providerMetadata: {},
      kid: 'k1',
      hasRefreshToken: true,
      expiresAt: NOW + 3_600_000,
      tokenIssuedAt: NOW,
      version: 1,
      refreshFailures: 0,
      createdAt: iso(NOW),
      updatedAt: iso(NOW),
    });
    for (const plain of ['at-1', 'rt-1']) expect(tokens).not.toContain(plain);
    expect(await h.open(stored)).toEqual({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      idToken: expect.any(String),
      tokenType: 'Bearer',
    });
    expect(h.stores.connections.states.size).toBe(0);
    expect(h.events).toEqual([
      {
        id: `connection.created:${ID}:${NOW}`,
        type: 'connection.created',
        occurredAt: iso(NOW),
        data: { connectionId: ID, integrationId: 'op', provider: 'oidc', endUserId: 'u1' },
      },
    ]);
    expect(h.logs).toEqual([
      {
        level: 'info',
        msg: 'connection stored',
        fields: { connectionId: ID, integrationId: 'op', reconnected: false },
      },
    ]);
  });

  it('a replayed state is refused before any exchange, and the connection is not stored again', async () => {
    const s = await signIn();
    const req = {
      rawQueryString: query({ code: 'code-1', state: s.state, iss: ISSUER }),
      cookies: [s.cookie],
    };
    await callback(h.deps, req, BASE);
    const first = structuredClone(h.stores.connections.items.get(ID));
    await expect(callback(h.deps, req, BASE)).rejects.toMatchObject({
      code: 'invalid_state',
      message: 'This sign-in is unknown, has expired or was already used',
    });
    expect(tokenRequests()).toHaveLength(1);
    expect(h.stores.connections.items.get(ID)).toEqual(first);
    expect(h.events.map((e) => e.type)).toEqual(['connection.created']);
  });

  it('a forged or missing state is refused and nothing is stored', async () => {
    await signIn();
    const forged = 'forged-state';
    const cookie = `hb_oauth_${createHash('sha256').update(forged).digest('hex').slice(0, 8)}=anything`;
    await expect(
      callback(
        h.deps,
        { rawQueryString: query({ code: 'c', state: forged, iss: ISSUER }), cookies: [cookie] },
        BASE,
      ),
    ).rejects.toMatchObject({
      code: 'invalid_state',
      message: 'This sign-in is unknown, has expired or was already used',
    });
    await expect(
      callback(h.deps, { rawQueryString: query({ code: 'c', iss: ISSUER }), cookies: [cookie] }, BASE),
    ).rejects.toMatchObject({ code: 'invalid_state', message: 'The callback has no state parameter' });
    expect(tokenRequests()).toEqual([]);
    expect(h.stores.connections.items.size).toBe(0);
    expect(h.stores.connections.states.size).toBe(1);
    expect(h.events).toEqual([]);
  });

  it('a wrong or missing binding cookie does not consume the state: the right browser still connects', async () => {
    const s = await signIn();
    const rawQueryString = query({ code: 'code-1', state: s.state, iss: ISSUER });
    await expect(
      callback(h.deps, { rawQueryString, cookies: [`${s.cookieName}=another-browser`] }, BASE),
    ).rejects.toMatchObject({
      code: 'missing_state_cookie',
      message: 'This sign-in was started in a different browser',
    });
    await expect(callback(h.deps, { rawQueryString, cookies: [] }, BASE)).rejects.toMatchObject({
      code: 'missing_state_cookie',
      message: 'This sign-in did not start in this browser (no binding cookie)',
    });
    expect(h.stores.connections.states.has(s.state)).toBe(true);
    expect(tokenRequests()).toEqual([]);
    expect(h.stores.connections.items.size).toBe(0);
    const ok = await callback(h.deps, { rawQueryString, cookies: [s.cookie] }, BASE);
    expect(ok.connectionId).toBe(ID);
  });

  it('an iss that does not match the issuer (or is missing) is a mix-up: no exchange, nothing stored', async () => {
    for (const iss of [{ iss: 'https://evil.test' }, {}] as Record<string, string>[]) {
      const s = await signIn();
      await expect(
        callback(
          h.deps,
          { rawQueryString: query({ code: 'code-1', state: s.state, ...iss }), cookies: [s.cookie] },
          BASE,
        ),
      ).rejects.toMatchObject({ code: 'issuer_mismatch' });
      // The state was consumed before the check: it is single-use whatever the outcome.
      expect(h.stores.connections.states.has(s.state)).toBe(false);
    }
    expect(tokenRequests()).toEqual([]);
    expect(h.stores.connections.items.size).toBe(0);
    expect(h.events).toEqual([]);
  });

  it('an ID token with the wrong nonce is refused after the exchange and nothing is stored', async () => {
    const s = await signIn();
    idTokenClaims = { nonce: 'someone-elses' };
    await expect(
      callback(
        h.deps,
        { rawQueryString: query({ code: 'code-1', state: s.state, iss: ISSUER }), cookies: [s.cookie] },
        BASE,
      ),
    ).rejects.toMatchObject({
      code: 'invalid_id_token',
      message: 'The ID token was refused: the "nonce" claim is wrong',
    });
    expect(tokenRequests()).toHaveLength(1);
    expect(h.stores.connections.items.size).toBe(0);
    expect(h.events).toEqual([]);
  });

  it('a provider error goes back to the app’s return URL, with nothing exchanged or stored', async () => {
    const s = await signIn();
    const result = await callback(
      h.deps,
      {
        rawQueryString: query({
          error: 'access_denied',
          error_description: 'no',
          state: s.state,
          iss: ISSUER,
        }),
        cookies: [s.cookie],
      },
      BASE,
    );
    expect(result).toEqual({
      kind: 'redirect',
      location: `${RETURN_URL}?error=access_denied&error_description=no`,
      cookies: [`${s.cookieName}=; Path=/oauth; HttpOnly; SameSite=Lax; Secure; Max-Age=0`],
    });
    expect(tokenRequests()).toEqual([]);
    expect(h.stores.connections.items.size).toBe(0);
  });

  it.each([
    [
      { error: 'access_denied', error_description: 'no' },
      {
        code: 'access_denied',
        status: 403,
        message: 'Access was declined at the provider, so nothing was connected',
      },
    ],
    [
      { error: 'invalid_scope', error_description: 'bad scope' },
      {
        code: 'provider_error',
        status: 502,
        message: 'The sign-in at the provider failed: it answered "invalid_scope": bad scope',
      },
    ],
  ])(
    'without a return URL, provider error %o is a page error %o; nothing exchanged or stored',
    async (q, expected) => {
      const s = await signIn(null);
      await expect(
        callback(
          h.deps,
          { rawQueryString: query({ ...q, state: s.state, iss: ISSUER }), cookies: [s.cookie] },
          BASE,
        ),
      ).rejects.toMatchObject(expected);
      expect(tokenRequests()).toEqual([]);
      expect(h.stores.connections.items.size).toBe(0);
    },
  );

  it('a reconnect keeps createdAt, bumps the version and says reconnected', async () => {
    const first = await signIn();
    await callback(
      h.deps,
      { rawQueryString: query({ code: 'code-1', state: first.state, iss: ISSUER }), cookies: [first.cookie] },
      BASE,
    );
    h.clock.now += 60_000;
    const again = await signIn();
    await callback(
      h.deps,
      { rawQueryString: query({ code: 'code-2', state: again.state, iss: ISSUER }), cookies: [again.cookie] },
      BASE,
    );
    expect(h.stores.connections.items.get(ID)).toMatchObject({
      version: 2,
      createdAt: iso(NOW),
      updatedAt: iso(NOW + 60_000),
    });
    expect(h.events.map((e) => [e.type, e.data.reconnected])).toEqual([
      ['connection.created', undefined],
      ['connection.created', true],
    ]);
  });
});

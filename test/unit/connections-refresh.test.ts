/**
 * refreshWithLease without dynalite: the pure decide step as a table, then the whole refresh
 * over the in-memory stores, a real vault and a scripted token endpoint, on a fixed clock.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../shared/connections/model.js';
import {
  decideRefresh,
  LEASE_MS,
  type PreparedRefresh,
  REAUTH_WINDOW_MS,
  type RefreshDecision,
  refreshWithLease,
} from '../../shared/connections/refresh.js';
import { connectionIdFor } from '../../shared/connections/store-connection.js';
import type { TokenOutcome } from '../../shared/oauth/protocol.js';
import {
  CLIENT,
  type ConnectionHarness,
  connectionHarness,
  json,
  providerFetch,
  type SeenRequest,
} from '../support/connection-deps.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const TOKEN_URL = 'https://provider.test/token';

const record = (over: Partial<ConnectionRecord> = {}): ConnectionRecord => ({
  id: 'conn_x',
  integrationId: 'stub',
  provider: 'oauth2',
  endUserId: 'u1',
  status: 'active',
  scopes: ['read'],
  metadata: {},
  providerMetadata: { region: 'eu' },
  tokens: 'jwe',
  kid: 'k1',
  hasRefreshToken: true,
  expiresAt: NOW + 60_000,
  version: 1,
  refreshFailures: 0,
  createdAt: iso(NOW - 86_400_000),
  updatedAt: iso(NOW - 86_400_000),
  ...over,
});

const prepared = (over: Partial<ConnectionRecord> = {}): PreparedRefresh => ({
  record: record(over),
  tokens: { accessToken: 'at-old', refreshToken: 'rt-old', idToken: 'id-old', tokenType: 'Bearer' },
  startedAt: NOW,
});

const granted = (t: Partial<Extract<TokenOutcome, { ok: true }>['tokens']> = {}): TokenOutcome => ({
  ok: true,
  tokens: { accessToken: 'at-new', tokenType: 'Bearer', metadata: {}, ...t },
});
const refused = (error: string, transient = false): TokenOutcome => ({ ok: false, error, transient });

const ALWAYS_REMOVED = ['firstFailureAt', 'lastError', 'invalidGrantStreak', 'invalidGrantSince'] as const;
const STREAK_REMOVED: (keyof ConnectionRecord)[] = ['invalidGrantStreak', 'invalidGrantSince'];

describe('decideRefresh (pure)', () => {
  const cases: {
    name: string;
    over?: Partial<ConnectionRecord>;
    outcome: TokenOutcome;
    expected: RefreshDecision;
  }[] = [
    {
      name: 'rotated refresh token: the new one is written, metadata merged, failure fields removed',
      outcome: granted({ refreshToken: 'rt-new', expiresAt: NOW + 3_600_000, metadata: { shard: 2 } }),
      expected: {
        kind: 'store_tokens',
        tokens: { accessToken: 'at-new', refreshToken: 'rt-new', idToken: 'id-old', tokenType: 'Bearer' },
        set: {
          hasRefreshToken: true,
          expiresAt: NOW + 3_600_000,
          providerMetadata: { region: 'eu', shard: 2 },
          refreshFailures: 0,
        },
        remove: [...ALWAYS_REMOVED],
        rotated: true,
        recovered: undefined,
      },
    },
    {
      name: 'no refresh token and no expiry in the answer: the old refresh token is kept, expiresAt removed',
      outcome: granted({ scopes: ['read', 'write'], idToken: 'id-new' }),
      expected: {
        kind: 'store_tokens',
        tokens: { accessToken: 'at-new', refreshToken: 'rt-old', idToken: 'id-new', tokenType: 'Bearer' },
        set: {
          hasRefreshToken: true,
          scopes: ['read', 'write'],
          providerMetadata: { region: 'eu' },
          refreshFailures: 0,
        },
        remove: [...ALWAYS_REMOVED, 'expiresAt'],
        rotated: false,
        recovered: undefined,
      },
    },
    {
      name: 'success after failures: connection.recovered with the failure count',
      over: { refreshFailures: 2, firstFailureAt: NOW - 60_000, lastError: 'server_error' },
      outcome: granted({ expiresAt: NOW + 1000 }),
      expected: {
        kind: 'store_tokens',
        tokens: { accessToken: 'at-new', refreshToken: 'rt-old', idToken: 'id-old', tokenType: 'Bearer' },
        set: {
          hasRefreshToken: true,
          expiresAt: NOW + 1000,
          providerMetadata: { region: 'eu' },
          refreshFailures: 0,
        },
        remove: [...ALWAYS_REMOVED],
        rotated: false,
        recovered: { previousFailures: 2 },
      },
    },
    {
      name: 'first transient failure: counted, streak reset, refresh_failed event, 502 upstream_error',
      outcome: refused('server_error', true),
      expected: {
        kind: 'record_failure',
        set: { refreshFailures: 1, firstFailureAt: NOW, lastError: 'server_error', updatedAt: iso(NOW) },
        remove: STREAK_REMOVED,
        failures: 1,
        needsReauth: false,
        refreshFailed: { error: 'server_error', failures: 1, status: 'active' },
        throws: 'upstream_error',
        error: 'server_error',
      },
    },
    {
      name: 'a transient failure breaks an invalid_grant streak; no event after the first failure',
      over: {
        refreshFailures: 2,
        firstFailureAt: NOW - 1000,
        invalidGrantStreak: 2,
        invalidGrantSince: NOW - 1000,
      },
      outcome: refused('network_error', true),
      expected: {
        kind: 'record_failure',
        set: {
          refreshFailures: 3,
          firstFailureAt: NOW - 1000,
          lastError: 'network_error',
          updatedAt: iso(NOW),
        },
        remove: STREAK_REMOVED,
        failures: 3,
        needsReauth: false,
        refreshFailed: undefined,
        throws: 'upstream_error',
        error: 'network_error',
      },
    },
    {
      name: 'another refusal: token_exchange_failed, streak reset',
      outcome: refused('invalid_client'),
      expected: {
        kind: 'record_failure',
        set: { refreshFailures: 1, firstFailureAt: NOW, lastError: 'invalid_client', updatedAt: iso(NOW) },
        remove: STREAK_REMOVED,
        failures: 1,
        needsReauth: false,
        refreshFailed: { error: 'invalid_client', failures: 1, status: 'active' },
        throws: 'token_exchange_failed',
        error: 'invalid_client',
      },
    },
    {
      name: 'first invalid_grant starts the streak',
      outcome: refused('invalid_grant'),
      expected: {
        kind: 'record_failure',
        set: {
          refreshFailures: 1,
          firstFailureAt: NOW,
          lastError: 'invalid_grant',
          updatedAt: iso(NOW),
          invalidGrantStreak: 1,
          invalidGrantSince: NOW,
        },
        remove: [],
        failures: 1,
        needsReauth: false,
        refreshFailed: { error: 'invalid_grant', failures: 1, status: 'active' },
        throws: 'token_exchange_failed',
        error: 'invalid_grant',
      },
    },
    {
      name: 'third invalid_grant inside the window: still active',
      over: {
        refreshFailures: 2,
        firstFailureAt: NOW - 1000,
        invalidGrantStreak: 2,
        invalidGrantSince: NOW - 1000,
      },
      outcome: refused('invalid_grant'),
      expected: {
        kind: 'record_failure',
        set: {
          refreshFailures: 3,
          firstFailureAt: NOW - 1000,
          lastError: 'invalid_grant',
          updatedAt: iso(NOW),
          invalidGrantStreak: 3,
          invalidGrantSince: NOW - 1000,
        },
        remove: [],
        failures: 3,
        needsReauth: false,
        refreshFailed: undefined,
        throws: 'token_exchange_failed',
        error: 'invalid_grant',
      },
    },
    {
      name: 'third invalid_grant over the window: needs_reauth, with the event',
      over: {
        refreshFailures: 2,
        firstFailureAt: NOW - REAUTH_WINDOW_MS,
        invalidGrantStreak: 2,
        invalidGrantSince: NOW - REAUTH_WINDOW_MS,
      },
      outcome: refused('invalid_grant'),
      expected: {
        kind: 'record_failure',
        set: {
          refreshFailures: 3,
          firstFailureAt: NOW - REAUTH_WINDOW_MS,
          lastError: 'invalid_grant',
          updatedAt: iso(NOW),
          invalidGrantStreak: 3,
          invalidGrantSince: NOW - REAUTH_WINDOW_MS,
          status: 'needs_reauth',
        },
        remove: [],
        failures: 3,
        needsReauth: true,
        refreshFailed: { error: 'invalid_grant', failures: 3, status: 'needs_reauth' },
        throws: 'needs_reauth',
        error: 'invalid_grant',
      },
    },
    {
      name: 'two invalid_grants over the window are not enough',
      over: { refreshFailures: 1, invalidGrantStreak: 1, invalidGrantSince: NOW - 2 * REAUTH_WINDOW_MS },
      outcome: refused('invalid_grant'),
      expected: {
        kind: 'record_failure',
        set: {
          refreshFailures: 2,
          firstFailureAt: NOW,
          lastError: 'invalid_grant',
          updatedAt: iso(NOW),
          invalidGrantStreak: 2,
          invalidGrantSince: NOW - 2 * REAUTH_WINDOW_MS,
        },
        remove: [],
        failures: 2,
        needsReauth: false,
        refreshFailed: undefined,
        throws: 'token_exchange_failed',
        error: 'invalid_grant',
      },
    },
  ];
  it.each(cases)('$name', ({ over, outcome, expected }) => {
    expect(decideRefresh(prepared(over), outcome)).toEqual(expected);
  });
});

/** A harness whose token endpoint answers from `answers` (the last one repeats). */
function refreshHarness(answers: (() => Response | Promise<Response>)[]) {
  const seen: SeenRequest[] = [];
  let n = 0;
  const h = connectionHarness(
    NOW,
    providerFetch({ [TOKEN_URL]: () => answers[Math.min(n++, answers.length - 1)]!() }, seen),
  );
  return { h, seen };
}

const ID = connectionIdFor('stub', 'u1');

async function seed(h: ConnectionHarness, over: Partial<ConnectionRecord> = {}): Promise<ConnectionRecord> {
  await h.integration('stub', {
    type: 'oauth',
    provider: 'oauth2',
    authorizationUrl: 'https://provider.test/authorize',
    tokenUrl: TOKEN_URL,
    allowedReturnUrls: ['https://app.example.com/done'],
  });
  const rec = record({
    id: ID,
    tokens: await h.seal({ accessToken: 'at-1', refreshToken: 'rt-1', tokenType: 'Bearer' }),
    ...over,
  });
  expect(await h.stores.connections.save(rec, undefined)).toBe(true);
  return rec;
}

const tokenAnswer =
  (extra: Record<string, unknown> = {}) =>
  () =>
    json({ access_token: 'at-2', token_type: 'Bearer', expires_in: 3600, ...extra });

describe('refreshWithLease over the in-memory stores', () => {
  it('refreshes with rotation: one token request, new tokens sealed, version bumped, lease released', async () => {
    const { h, seen } = refreshHarness([tokenAnswer({ refresh_token: 'rt-2' })]);
    await seed(h);
    const view = await refreshWithLease(h.deps, ID, 1, false);
    expect(view).toEqual({
      accessToken: 'at-2',
      tokenType: 'Bearer',
      expiresAt: iso(NOW + 3_600_000),
      connectionId: ID,
      integrationId: 'stub',
      provider: 'oauth2',
      metadata: { region: 'eu' },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.form).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
    expect(seen[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`,
    );
    const stored = h.stores.connections.items.get(ID)!;
    expect(stored).toMatchObject({
      version: 2,
      kid: 'k1',
      hasRefreshToken: true,
      expiresAt: NOW + 3_600_000,
      refreshFailures: 0,
      lastRefreshedAt: iso(NOW),
      updatedAt: iso(NOW),
    });
    expect(stored.leaseOwner).toBeUndefined();
    expect(stored.leaseUntil).toBeUndefined();
    expect(stored.tokens).not.toContain('at-2');
    expect(stored.tokens).not.toContain('rt-2');
    expect(await h.open(stored)).toEqual({ accessToken: 'at-2', refreshToken: 'rt-2', tokenType: 'Bearer' });
    expect(h.logs).toEqual([
      { level: 'info', msg: 'connection refreshed', fields: { connectionId: ID, rotated: true } },
    ]);
    expect(h.events).toEqual([]);
  });

  it('keeps the old refresh token when the provider returns none, and reports the recovery', async () => {
    const { h } = refreshHarness([tokenAnswer()]);
    await seed(h, { refreshFailures: 2, firstFailureAt: NOW - 60_000, lastError: 'server_error' });
    await refreshWithLease(h.deps, ID, 1, false);
    const stored = h.stores.connections.items.get(ID)!;
    expect(await h.open(stored)).toEqual({ accessToken: 'at-2', refreshToken: 'rt-1', tokenType: 'Bearer' });
    expect(stored).toMatchObject({ version: 2, refreshFailures: 0, hasRefreshToken: true });
    expect(stored.firstFailureAt).toBeUndefined();
    expect(stored.lastError).toBeUndefined();
    expect(h.logs.map((l) => l.fields?.rotated)).toEqual([false]);
    expect(h.events).toEqual([
      {
        id: `connection.recovered:${ID}:${NOW}`,
        type: 'connection.recovered',
        occurredAt: iso(NOW),
        data: {
          connectionId: ID,
          integrationId: 'stub',
          provider: 'oauth2',
          endUserId: 'u1',
          previousFailures: 2,
        },
      },
    ]);
  });

  it('an unbroken invalid_grant streak over the window sets needs_reauth and emits the event', async () => {
    const { h, seen } = refreshHarness([() => json({ error: 'invalid_grant' }, 400)]);
    const seeded = await seed(h);
    const failed = (code: string) => expect.objectContaining({ code });
    await expect(refreshWithLease(h.deps, ID, 1, true)).rejects.toEqual(failed('token_exchange_failed'));
    h.clock.now += REAUTH_WINDOW_MS / 2;
    await expect(refreshWithLease(h.deps, ID, 1, true)).rejects.toEqual(failed('token_exchange_failed'));
    h.clock.now += REAUTH_WINDOW_MS / 2;
    await expect(refreshWithLease(h.deps, ID, 1, true)).rejects.toEqual(failed('needs_reauth'));
    expect(seen).toHaveLength(3);
    const stored = h.stores.connections.items.get(ID)!;
    // Failures are counted without a new version, and the tokens are left as they were.
    expect(stored).toMatchObject({
      status: 'needs_reauth',
      version: 1,
      tokens: seeded.tokens,
      refreshFailures: 3,
      firstFailureAt: NOW,
      invalidGrantStreak: 3,
      invalidGrantSince: NOW,
      lastError: 'invalid_grant',
      updatedAt: iso(NOW + REAUTH_WINDOW_MS),
    });
    expect(stored.leaseOwner).toBeUndefined();
    expect(h.events.map((e) => [e.type, e.occurredAt, e.data.failures, e.data.status])).toEqual([
      ['connection.refresh_failed', iso(NOW), 1, 'active'],
      ['connection.refresh_failed', iso(NOW + REAUTH_WINDOW_MS), 3, 'needs_reauth'],
    ]);
    expect(h.logs.map((l) => [l.level, l.msg, l.fields?.failures, l.fields?.needsReauth])).toEqual([
      ['warn', 'connection refresh failed', 1, false],
      ['warn', 'connection refresh failed', 2, false],
      ['warn', 'connection refresh failed', 3, true],
    ]);
    // From now on the provider is not asked again.
    await expect(refreshWithLease(h.deps, ID, 1, true)).rejects.toMatchObject({
      code: 'needs_reauth',
      extensions: { connectionId: ID },
    });
    expect(seen).toHaveLength(3);
  });

  it('waits for a concurrent holder of the lease and answers from what it wrote', async () => {
    const { h, seen } = refreshHarness([tokenAnswer()]);
    await seed(h, { leaseOwner: 'other-process', leaseUntil: NOW + LEASE_MS });
    h.onSleep = async () => {
      const c = h.stores.connections.items.get(ID)!;
      if (c.version !== 1) return;
      const tokens = await h.seal({ accessToken: 'at-other', refreshToken: 'rt-other', tokenType: 'Bearer' });
      Object.assign(c, {
        tokens,
        version: 2,
        expiresAt: NOW + 3_600_000,
        leaseOwner: undefined,
        leaseUntil: undefined,
      });
    };
    const view = await refreshWithLease(h.deps, ID, 1, false);
    expect(view.accessToken).toBe('at-other');
    expect(h.sleeps).toHaveLength(1);
    expect(seen).toEqual([]);
    expect(h.stores.connections.items.get(ID)).toMatchObject({ version: 2, leaseOwner: undefined });
    expect(h.logs).toEqual([]);
  });

  it('gives up waiting on a lease that is never released: 504, nothing written', async () => {
    const { h, seen } = refreshHarness([tokenAnswer()]);
    const seeded = await seed(h, { leaseOwner: 'other-process', leaseUntil: NOW + 10 * 60_000 });
    await expect(refreshWithLease(h.deps, ID, 1, false)).rejects.toMatchObject({
      code: 'upstream_timeout',
      message: 'Another refresh of this connection is still running',
    });
    expect(h.clock.now - NOW).toBeGreaterThanOrEqual(20_000);
    expect(seen).toEqual([]);
    expect(h.stores.connections.items.get(ID)).toEqual(seeded);
  });

  it('keeps the refreshed tokens when the lease ran out mid-refresh and nobody wrote since', async () => {
    const { h } = refreshHarness([
      () => {
        // Our lease expires while the provider answers; another process takes it.
        Object.assign(h.stores.connections.items.get(ID)!, {
          leaseOwner: 'other',
          leaseUntil: NOW + LEASE_MS,
        });
        return tokenAnswer({ refresh_token: 'rt-2' })();
      },
    ]);
    await seed(h);
    const view = await refreshWithLease(h.deps, ID, 1, false);
    expect(view.accessToken).toBe('at-2');
    const stored = h.stores.connections.items.get(ID)!;
    expect(stored).toMatchObject({ version: 2, leaseOwner: 'other', leaseUntil: NOW + LEASE_MS });
    expect(await h.open(stored)).toEqual({ accessToken: 'at-2', refreshToken: 'rt-2', tokenType: 'Bearer' });
    expect(h.logs.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'refreshed tokens kept after the lease ran out'],
      ['info', 'connection refreshed'],
    ]);
  });

  it('refuses to overwrite a newer version written while its lease was lost: 409, the newer record kept', async () => {
    let newer: ConnectionRecord | undefined;
    const { h } = refreshHarness([
      async () => {
        const c = h.stores.connections.items.get(ID)!;
        const tokens = await h.seal({
          accessToken: 'at-other',
          refreshToken: 'rt-other',
          tokenType: 'Bearer',
        });
        Object.assign(c, { tokens, version: 2, leaseOwner: undefined, leaseUntil: undefined });
        newer = structuredClone(c);
        return tokenAnswer({ refresh_token: 'rt-2' })();
      },
    ]);
    await seed(h);
    await expect(refreshWithLease(h.deps, ID, 1, false)).rejects.toMatchObject({
      code: 'conflict',
      message: 'The connection changed during the refresh; retry',
    });
    expect(h.stores.connections.items.get(ID)).toEqual(newer);
    expect(h.logs).toEqual([
      {
        level: 'error',
        msg: 'refreshed tokens could not be written (a newer version exists)',
        fields: { connectionId: ID },
      },
    ]);
    expect(h.events).toEqual([]);
  });
});

/**
 * refreshWithLease without dynalite: the whole refresh over the in-memory stores, a real vault and
 * a scripted token endpoint, on a fixed clock.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../shared/connections/model.js';
import { LEASE_MS, REAUTH_WINDOW_MS, refreshWithLease } from '../../shared/connections/refresh.js';
import { connectionIdFor } from '../../shared/connections/store-connection.js';
import {
  CLIENT,
  type ConnectionHarness,
  connectionHarness,
  connectionRecord,
  json,
} from '../support/connection-deps.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const TOKEN_URL = 'https://provider.test/token';

/** A harness whose token endpoint answers from `answers` (the last one repeats). */
function refreshHarness(answers: (() => Response | Promise<Response>)[]) {
  let n = 0;
  const h = connectionHarness(NOW, { [TOKEN_URL]: () => answers[Math.min(n++, answers.length - 1)]!() });
  return { h, seen: h.seen };
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
  const rec = connectionRecord(NOW, {
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

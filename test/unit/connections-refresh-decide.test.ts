/** The decide step of refreshWithLease, pure: what each token-endpoint outcome makes of the record. */
import { describe, expect, it } from 'vitest';
import type { ConnectionRecord } from '../../shared/connections/model.js';
import {
  decideRefresh,
  type PreparedRefresh,
  REAUTH_WINDOW_MS,
  type RefreshDecision,
} from '../../shared/connections/refresh.js';
import type { TokenOutcome } from '../../shared/oauth/protocol.js';
import { connectionRecord } from '../support/connection-deps.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

const prepared = (over: Partial<ConnectionRecord> = {}): PreparedRefresh => ({
  record: connectionRecord(NOW, over),
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
          tokenIssuedAt: NOW,
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
        remove: [...ALWAYS_REMOVED, 'expiresAt', 'tokenIssuedAt'],
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
          tokenIssuedAt: NOW,
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

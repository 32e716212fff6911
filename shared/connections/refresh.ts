/**
 * One refresh of a connection's tokens under a lease, as typed steps:
 * prepare (take the lease or wait for whoever holds it, then re-read) -> attempt (the token
 * request, transient failures retried) -> decide (pure: what to write, which event, what to
 * throw) -> apply (the conditional write that releases the lease, the log line, the event).
 * A rotated refresh token is written in the same update that releases the lease, so it is never
 * lost; when the provider returns none the old one is kept.
 */
import { randomUUID } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import { isOAuth } from '../integrations/schema.js';
import {
  buildTokenRequest,
  type ParsedTokens,
  parseTokenResponse,
  readyClient,
  type TokenOutcome,
} from '../oauth/protocol.js';
import { publish } from './app-events.js';
import { type ConnectionDeps, providerFor, sendSpec } from './deps.js';
import type { ConnectionRecord, ConnectionStatus, TokenSet } from './model.js';
import {
  type FreshAccessToken,
  needsRefresh,
  notFound,
  outOfTime,
  reauthError,
  rememberTokens,
  tokensOf,
  viewOf,
} from './token-view.js';

export const LEASE_MS = 30_000;
/** invalid_grant must persist this many refreshes in a row and this long before a connection needs re-auth. */
export const REAUTH_AFTER_FAILURES = 3;
export const REAUTH_WINDOW_MS = 10 * 60_000;
const WAIT_FOR_OTHER_REFRESH_MS = 20_000;
const TRANSIENT_BACKOFF_MS = [200, 800];

/** The lease this refresh holds; `held` turns false once a write has released it. */
interface Lease {
  id: string;
  owner: string;
  held: boolean;
}

/** prepare: the lease is ours and the record, re-read under it, still needs a refresh. */
export interface PreparedRefresh {
  record: ConnectionRecord;
  tokens: TokenSet & { refreshToken: string };
  /** The clock when the record was re-read: the failure fields and event are stamped with it. */
  startedAt: number;
}

type UpdateRemove = (keyof ConnectionRecord)[];

/** decide: what the outcome of the token request makes of the record. */
export type RefreshDecision =
  | {
      kind: 'store_tokens';
      tokens: TokenSet;
      /** Everything but the sealed tokens and the write's timestamps. */
      set: Partial<ConnectionRecord>;
      remove: UpdateRemove;
      rotated: boolean;
      /** `connection.recovered` with these fields, when earlier refreshes had failed. */
      recovered?: { previousFailures: number } | undefined;
    }
  | {
      kind: 'record_failure';
      set: Partial<ConnectionRecord>;
      remove: UpdateRemove;
      failures: number;
      needsReauth: boolean;
      /** `connection.refresh_failed` with these fields, on the first failure and on needs_reauth. */
      refreshFailed?: { error: string; failures: number; status: ConnectionStatus } | undefined;
      throws: 'needs_reauth' | 'upstream_error' | 'token_exchange_failed';
      error: string;
    };

/**
 * Takes the lease and refreshes, or waits for whoever holds it. `seenVersion` is the version the
 * caller judged stale: if the record has moved on since, someone else already refreshed.
 */
export async function refreshWithLease(
  deps: ConnectionDeps,
  id: string,
  seenVersion: number,
  force: boolean,
  budgetDeadline?: number,
): Promise<FreshAccessToken> {
  const lease = await leaseOrWait(deps, id, seenVersion, budgetDeadline);
  if (!('owner' in lease)) return lease;
  try {
    const prepared = await prepareUnderLease(deps, id, seenVersion, force);
    if (!('startedAt' in prepared)) return prepared;
    const outcome = await attemptRefresh(deps, prepared.record, prepared.tokens.refreshToken, budgetDeadline);
    const decision = decideRefresh(prepared, outcome);
    if (decision.kind === 'store_tokens') return await storeRefreshed(deps, lease, prepared.record, decision);
    return await recordFailure(deps, lease, prepared, decision);
  } finally {
    if (lease.held) await deps.store.releaseLease(id, lease.owner).catch(() => {});
  }
}

/** prepare, 1: the lease, or the view another refresher left behind while we waited. */
async function leaseOrWait(
  deps: ConnectionDeps,
  id: string,
  seenVersion: number,
  budgetDeadline: number | undefined,
): Promise<Lease | FreshAccessToken> {
  const owner = randomUUID();
  const waitUntil = Math.min(
    deps.now() + WAIT_FOR_OTHER_REFRESH_MS,
    budgetDeadline ?? Number.POSITIVE_INFINITY,
  );
  for (let attempt = 0; ; attempt++) {
    if (await deps.store.acquireLease(id, owner, deps.now(), LEASE_MS)) return { id, owner, held: true };
    await deps.sleep(Math.min(50 * 2 ** attempt, 500) + Math.floor(Math.random() * 50));
    const c = await deps.store.get(id);
    if (!c) throw notFound(id);
    if (c.status === 'needs_reauth') throw reauthError(id);
    if (c.version !== seenVersion && !needsRefresh(c, deps.now())) return viewOf(deps, c);
    if (deps.now() >= waitUntil) {
      throw new HookbridgeError('upstream_timeout', 'Another refresh of this connection is still running');
    }
  }
}

/** prepare, 2: re-read under the lease; a record someone refreshed meanwhile is answered as is. */
async function prepareUnderLease(
  deps: ConnectionDeps,
  id: string,
  seenVersion: number,
  force: boolean,
): Promise<PreparedRefresh | FreshAccessToken> {
  const c = await deps.store.get(id);
  if (!c) throw notFound(id);
  const now = deps.now();
  if (c.status === 'needs_reauth') throw reauthError(id);
  if (!needsRefresh(c, now) && (c.version !== seenVersion || !force)) return await viewOf(deps, c);
  const tokens = await tokensOf(deps, c);
  if (!tokens.refreshToken) throw reauthError(id);
  return { record: c, tokens: { ...tokens, refreshToken: tokens.refreshToken }, startedAt: now };
}

/** attempt: one refresh at the token endpoint; transient failures (network, 5xx, 429) retry with backoff. */
async function attemptRefresh(
  deps: ConnectionDeps,
  c: ConnectionRecord,
  refreshToken: string,
  deadline = Number.POSITIVE_INFINITY,
): Promise<TokenOutcome> {
  const integration = await deps.integrations.get(c.integrationId);
  if (!integration || !isOAuth(integration.config)) {
    throw new HookbridgeError('misconfigured', `Integration ${c.integrationId} is gone or is not OAuth`);
  }
  const provider = await providerFor(deps, integration.config, deps.now());
  const creds = await deps.clientCredentials(c.integrationId, integration.config.provider);
  let outcome: TokenOutcome = { ok: false, error: 'not_attempted', transient: true };
  for (let i = 0; i <= TRANSIENT_BACKOFF_MS.length; i++) {
    const left = deadline - deps.now();
    if (left <= 0) throw outOfTime(); // not counted: the provider did not refuse anything
    // Built per attempt: a JWT client assertion is single use (its jti).
    const ready = await readyClient(provider, creds, deps.now());
    const spec = buildTokenRequest(provider, { grantType: 'refresh_token', refreshToken }, ready);
    try {
      const res = await sendSpec(deps, spec, Math.min(8_000, left));
      outcome = parseTokenResponse(provider, res.status, res.text, deps.now(), 'refresh_token');
    } catch (err) {
      if (err instanceof HookbridgeError && err.code === 'ssrf_blocked') throw err;
      if (deps.now() >= deadline) throw outOfTime();
      outcome = { ok: false, error: 'network_error', transient: true };
    }
    if (outcome.ok || !outcome.transient || i === TRANSIENT_BACKOFF_MS.length) break;
    if (deps.now() + TRANSIENT_BACKOFF_MS[i]! >= deadline) break;
    await deps.sleep(TRANSIENT_BACKOFF_MS[i]!);
  }
  return outcome;
}

/** decide: pure. What the token endpoint's answer makes of the record re-read under the lease. */
export function decideRefresh(prepared: PreparedRefresh, outcome: TokenOutcome): RefreshDecision {
  const c = prepared.record;
  if (outcome.ok) return keepTokens(c, prepared.tokens, outcome.tokens, prepared.startedAt);
  const now = prepared.startedAt;
  const failures = c.refreshFailures + 1;
  // Only an unbroken invalid_grant streak (or the provider's own code for it) counts towards
  // needs_reauth; anything else resets it.
  const invalidGrant = outcome.invalidGrant ?? outcome.error === 'invalid_grant';
  const streak = invalidGrant ? (c.invalidGrantStreak ?? 0) + 1 : 0;
  const streakSince = invalidGrant ? (c.invalidGrantSince ?? now) : now;
  const gone = invalidGrant && streak >= REAUTH_AFTER_FAILURES && now - streakSince >= REAUTH_WINDOW_MS;
  return {
    kind: 'record_failure',
    set: {
      refreshFailures: failures,
      firstFailureAt: c.firstFailureAt ?? now,
      lastError: outcome.error,
      updatedAt: new Date(now).toISOString(),
      ...(invalidGrant ? { invalidGrantStreak: streak, invalidGrantSince: streakSince } : {}),
      ...(gone ? { status: 'needs_reauth' as const } : {}),
    },
    remove: invalidGrant ? [] : ['invalidGrantStreak', 'invalidGrantSince'],
    failures,
    needsReauth: gone,
    refreshFailed:
      failures === 1 || gone
        ? { error: outcome.error, failures, status: gone ? 'needs_reauth' : c.status }
        : undefined,
    throws: gone ? 'needs_reauth' : outcome.transient ? 'upstream_error' : 'token_exchange_failed',
    error: outcome.error,
  };
}

/** The new tokens, keeping the old refresh and ID tokens when the provider sent none. */
function keepTokens(c: ConnectionRecord, old: TokenSet, t: ParsedTokens, at: number): RefreshDecision {
  return {
    kind: 'store_tokens',
    tokens: {
      accessToken: t.accessToken,
      refreshToken: t.refreshToken ?? old.refreshToken,
      idToken: t.idToken ?? old.idToken,
      tokenType: t.tokenType,
    },
    set: {
      hasRefreshToken: true,
      ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt, tokenIssuedAt: at } : {}),
      ...(t.scopes ? { scopes: t.scopes } : {}),
      providerMetadata: { ...c.providerMetadata, ...t.metadata },
      refreshFailures: 0,
    },
    remove: [
      'firstFailureAt',
      'lastError',
      'invalidGrantStreak',
      'invalidGrantSince',
      ...(t.expiresAt === undefined ? (['expiresAt', 'tokenIssuedAt'] as const) : []),
    ],
    rotated: t.refreshToken !== undefined,
    recovered: c.refreshFailures > 0 ? { previousFailures: c.refreshFailures } : undefined,
  };
}

/** apply, success: seal, write (releasing the lease), then answer from the stored record. */
async function storeRefreshed(
  deps: ConnectionDeps,
  lease: Lease,
  c: ConnectionRecord,
  d: Extract<RefreshDecision, { kind: 'store_tokens' }>,
): Promise<FreshAccessToken> {
  const { id } = lease;
  const vault = await deps.vault();
  const sealed = await vault.seal(d.tokens);
  const at = new Date(deps.now()).toISOString();
  const update = { tokens: sealed, kid: vault.currentKid, ...d.set, lastRefreshedAt: at, updatedAt: at };
  const written = await writeUnderLease(deps, lease, c.version, update, d.remove);
  lease.held = false;
  if (!written) {
    deps.log.error('refreshed tokens could not be written (a newer version exists)', { connectionId: id });
    throw new HookbridgeError('conflict', 'The connection changed during the refresh; retry');
  }
  deps.log.info('connection refreshed', { connectionId: id, rotated: d.rotated });
  if (d.recovered) await publish(deps, 'connection.recovered', c, deps.now(), d.recovered);
  const fresh = await deps.store.get(id);
  if (!fresh) throw notFound(id);
  rememberTokens(deps, id, sealed, d.tokens);
  return await viewOf(deps, fresh);
}

/**
 * The write that releases the lease. When our lease ran out mid-refresh the provider may already
 * have rotated (and so revoked) the old refresh token: keep the new tokens anyway, as long as
 * nobody wrote a newer version.
 */
async function writeUnderLease(
  deps: ConnectionDeps,
  lease: Lease,
  version: number,
  update: Partial<ConnectionRecord>,
  remove: UpdateRemove,
): Promise<boolean> {
  const { id, owner } = lease;
  if (await deps.store.updateUnderLease(id, owner, version, update, { bumpVersion: true, remove }))
    return true;
  const kept = await deps.store.updateUnderLease(id, owner, version, update, {
    bumpVersion: true,
    remove,
    leaseLost: true,
  });
  if (kept) deps.log.warn('refreshed tokens kept after the lease ran out', { connectionId: id });
  return kept;
}

/** apply, failure: count it on the record (releasing the lease), log, event, and throw. */
async function recordFailure(
  deps: ConnectionDeps,
  lease: Lease,
  prepared: PreparedRefresh,
  d: Extract<RefreshDecision, { kind: 'record_failure' }>,
): Promise<never> {
  const { record: c, startedAt } = prepared;
  await deps.store.updateUnderLease(lease.id, lease.owner, c.version, d.set, {
    bumpVersion: false,
    remove: d.remove,
  });
  lease.held = false;
  deps.log.warn('connection refresh failed', {
    connectionId: lease.id,
    error: d.error,
    failures: d.failures,
    needsReauth: d.needsReauth,
  });
  if (d.refreshFailed) await publish(deps, 'connection.refresh_failed', c, startedAt, d.refreshFailed);
  if (d.throws === 'needs_reauth') throw reauthError(lease.id);
  throw new HookbridgeError(d.throws, `The provider refused the refresh (${d.error})`, {
    extensions: { providerError: d.error },
  });
}

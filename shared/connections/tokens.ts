/**
 * Fresh access tokens. A token is refreshed when it expires within the provider's margin
 * (default 5 min) or on request (`forceRefresh`, e.g. after a 401). Concurrent callers never race:
 * within a process they share one in-flight refresh; across processes a DynamoDB lease (a
 * conditional update with an expiry) admits one refresher, which re-reads after taking the lease
 * and writes with a version condition. A rotated refresh token is written in the same update that
 * releases the lease, so it is never lost; when the provider returns none the old one is kept.
 */
import { randomUUID } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import { isOAuth } from '../integrations/schema.js';
import {
  buildTokenRequest,
  parseTokenResponse,
  resolveProvider,
  type TokenOutcome,
} from '../oauth/protocol.js';
import { getProvider } from '../oauth/providers.js';
import { type ConnectionDeps, openTokens, sendSpec } from './deps.js';
import type { ConnectionRecord, TokenSet } from './model.js';

export interface FreshAccessToken {
  accessToken: string;
  tokenType: string;
  /** ISO time; absent when the provider gave no expiry. */
  expiresAt?: string | undefined;
  connectionId: string;
  integrationId: string;
  provider: string;
  /** Integration params and kept provider values (e.g. `instance_url`, `shop`, `realmId`). */
  metadata: Record<string, unknown>;
}

export const LEASE_MS = 30_000;
/** invalid_grant must persist this many refreshes in a row and this long before a connection needs re-auth. */
export const REAUTH_AFTER_FAILURES = 3;
export const REAUTH_WINDOW_MS = 10 * 60_000;
const WAIT_FOR_OTHER_REFRESH_MS = 20_000;
const TRANSIENT_BACKOFF_MS = [200, 800];

/**
 * Decrypted tokens by connection, valid only for the exact sealed JWE they came from: every seal
 * has a fresh CEK and IV, so a new write (refresh, reconnect, even a delete + reconnect that
 * restarts the version at 1 in another process) never matches an old entry.
 */
const opened = new Map<string, { sealed: string; tokens: TokenSet }>();
const OPENED_MAX = 5000;

export const marginMsFor = (c: Pick<ConnectionRecord, 'provider'>): number =>
  (getProvider(c.provider)?.expiryMarginSeconds ?? 300) * 1000;

export const needsRefresh = (c: ConnectionRecord, now: number): boolean =>
  c.expiresAt !== undefined && c.expiresAt - marginMsFor(c) <= now;

/** Forget cached plaintext for a connection (after delete). */
export function forgetConnection(id: string): void {
  opened.delete(id);
}

async function tokensOf(deps: ConnectionDeps, c: ConnectionRecord): Promise<TokenSet> {
  const hit = opened.get(c.id);
  if (hit && hit.sealed === c.tokens) return hit.tokens;
  const tokens = await openTokens<TokenSet>(deps, c.tokens);
  if (opened.size >= OPENED_MAX) opened.delete(opened.keys().next().value!);
  opened.set(c.id, { sealed: c.tokens, tokens });
  return tokens;
}

async function viewOf(deps: ConnectionDeps, c: ConnectionRecord): Promise<FreshAccessToken> {
  const t = await tokensOf(deps, c);
  return {
    accessToken: t.accessToken,
    tokenType: t.tokenType,
    ...(c.expiresAt !== undefined ? { expiresAt: new Date(c.expiresAt).toISOString() } : {}),
    connectionId: c.id,
    integrationId: c.integrationId,
    provider: c.provider,
    metadata: c.providerMetadata,
  };
}

const reauthError = (id: string) =>
  new HookbridgeError('needs_reauth', `Connection ${id} needs the end user to connect again`, {
    extensions: { connectionId: id },
  });

const outOfTime = () =>
  new HookbridgeError('upstream_timeout', 'The token could not be refreshed within the time budget');

/** Settles with `p`, or fails with 504 upstream_timeout when the deadline (deps clock) passes first. */
async function withinDeadline<T>(deps: ConnectionDeps, p: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(outOfTime()), Math.max(0, deadline - deps.now()));
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `deadline` (epoch ms on the deps clock) bounds the whole read, lease wait and refresh included;
 * by default the token budget (25 s) from now, inside the 29 s Lambda timeout. Past it: 504.
 */
export async function getFreshAccessToken(
  deps: ConnectionDeps,
  connectionId: string,
  opts: { forceRefresh?: boolean; deadline?: number } = {},
): Promise<FreshAccessToken> {
  const { inflight } = deps;
  const deadline = opts.deadline ?? deps.now() + deps.tokenBudgetMs;
  const c = await deps.store.get(connectionId);
  if (!c) throw new HookbridgeError('not_found', `No connection ${connectionId}`);
  if (c.status === 'needs_reauth') throw reauthError(c.id);
  const now = deps.now();
  if (!opts.forceRefresh && !needsRefresh(c, now)) return viewOf(deps, c);
  if (!c.hasRefreshToken) {
    if (c.expiresAt !== undefined && c.expiresAt <= now) throw reauthError(c.id);
    return viewOf(deps, c);
  }
  if (deps.now() >= deadline) throw outOfTime();
  const running = inflight.get(c.id);
  if (running) return withinDeadline(deps, running, deadline);
  const p = refreshWithLease(deps, c.id, c.version, opts.forceRefresh === true, deadline).finally(() =>
    inflight.delete(c.id),
  );
  inflight.set(c.id, p);
  p.catch(() => {}); // a caller that gave up at its deadline leaves no unhandled rejection
  return withinDeadline(deps, p, deadline);
}

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
  const owner = randomUUID();
  const waitUntil = Math.min(
    deps.now() + WAIT_FOR_OTHER_REFRESH_MS,
    budgetDeadline ?? Number.POSITIVE_INFINITY,
  );
  for (let attempt = 0; ; attempt++) {
    if (await deps.store.acquireLease(id, owner, deps.now(), LEASE_MS)) break;
    await deps.sleep(Math.min(50 * 2 ** attempt, 500) + Math.floor(Math.random() * 50));
    const c = await deps.store.get(id);
    if (!c) throw new HookbridgeError('not_found', `No connection ${id}`);
    if (c.status === 'needs_reauth') throw reauthError(id);
    if (c.version !== seenVersion && !needsRefresh(c, deps.now())) return viewOf(deps, c);
    if (deps.now() >= waitUntil) {
      throw new HookbridgeError('upstream_timeout', 'Another refresh of this connection is still running');
    }
  }
  let holding = true;
  try {
    const c = await deps.store.get(id);
    if (!c) throw new HookbridgeError('not_found', `No connection ${id}`);
    const now = deps.now();
    if (c.status === 'needs_reauth') throw reauthError(id);
    if (!needsRefresh(c, now) && (c.version !== seenVersion || !force)) return await viewOf(deps, c);

    const old = await tokensOf(deps, c);
    if (!old.refreshToken) throw reauthError(id);
    const outcome = await callRefresh(deps, c, old.refreshToken, budgetDeadline);
    if (outcome.ok) {
      const t = outcome.tokens;
      const next: TokenSet = {
        accessToken: t.accessToken,
        refreshToken: t.refreshToken ?? old.refreshToken,
        idToken: t.idToken ?? old.idToken,
        tokenType: t.tokenType,
      };
      const vault = await deps.vault();
      const sealed = await vault.seal(next);
      const at = new Date(deps.now()).toISOString();
      const update = {
        tokens: sealed,
        kid: vault.currentKid,
        hasRefreshToken: true,
        ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt } : {}),
        ...(t.scopes ? { scopes: t.scopes } : {}),
        providerMetadata: { ...c.providerMetadata, ...t.metadata },
        refreshFailures: 0,
        lastRefreshedAt: at,
        updatedAt: at,
      };
      const remove: (keyof ConnectionRecord)[] = [
        'firstFailureAt',
        'lastError',
        'invalidGrantStreak',
        'invalidGrantSince',
        ...(t.expiresAt === undefined ? ['expiresAt' as const] : []),
      ];
      let written = await deps.store.updateUnderLease(id, owner, c.version, update, {
        bumpVersion: true,
        remove,
      });
      if (!written) {
        // Our lease ran out mid-refresh. The provider may already have rotated (and so revoked) the
        // old refresh token: keep the new tokens anyway, as long as nobody wrote a newer version.
        written = await deps.store.updateUnderLease(id, owner, c.version, update, {
          bumpVersion: true,
          remove,
          leaseLost: true,
        });
        if (written) deps.log.warn('refreshed tokens kept after the lease ran out', { connectionId: id });
      }
      holding = false;
      if (!written) {
        deps.log.error('refreshed tokens could not be written (a newer version exists)', {
          connectionId: id,
        });
        throw new HookbridgeError('conflict', 'The connection changed during the refresh; retry');
      }
      deps.log.info('connection refreshed', { connectionId: id, rotated: t.refreshToken !== undefined });
      if (c.refreshFailures > 0) {
        await publish(deps, 'connection.recovered', c, deps.now(), { previousFailures: c.refreshFailures });
      }
      const fresh = await deps.store.get(id);
      if (!fresh) throw new HookbridgeError('not_found', `No connection ${id}`);
      opened.set(id, { sealed, tokens: next });
      return await viewOf(deps, fresh);
    }

    // Failed: count it, and decide whether the grant is gone for good.
    const failures = c.refreshFailures + 1;
    const firstFailureAt = c.firstFailureAt ?? now;
    // Only an unbroken invalid_grant streak counts towards needs_reauth; anything else resets it.
    const invalidGrant = outcome.error === 'invalid_grant';
    const streak = invalidGrant ? (c.invalidGrantStreak ?? 0) + 1 : 0;
    const streakSince = invalidGrant ? (c.invalidGrantSince ?? now) : now;
    const gone = invalidGrant && streak >= REAUTH_AFTER_FAILURES && now - streakSince >= REAUTH_WINDOW_MS;
    await deps.store.updateUnderLease(
      id,
      owner,
      c.version,
      {
        refreshFailures: failures,
        firstFailureAt,
        lastError: outcome.error,
        updatedAt: new Date(now).toISOString(),
        ...(invalidGrant ? { invalidGrantStreak: streak, invalidGrantSince: streakSince } : {}),
        ...(gone ? { status: 'needs_reauth' as const } : {}),
      },
      { bumpVersion: false, remove: invalidGrant ? [] : ['invalidGrantStreak', 'invalidGrantSince'] },
    );
    holding = false;
    deps.log.warn('connection refresh failed', {
      connectionId: id,
      error: outcome.error,
      failures,
      needsReauth: gone,
    });
    if (failures === 1 || gone) {
      await publish(deps, 'connection.refresh_failed', c, now, {
        error: outcome.error,
        failures,
        status: gone ? 'needs_reauth' : c.status,
      });
    }
    if (gone) throw reauthError(id);
    throw new HookbridgeError(
      outcome.transient ? 'upstream_error' : 'token_exchange_failed',
      `The provider refused the refresh (${outcome.error})`,
      { extensions: { providerError: outcome.error } },
    );
  } finally {
    if (holding) await deps.store.releaseLease(id, owner).catch(() => {});
  }
}

/** One refresh at the token endpoint; transient failures (network, 5xx, 429) retry with backoff. */
async function callRefresh(
  deps: ConnectionDeps,
  c: ConnectionRecord,
  refreshToken: string,
  deadline = Number.POSITIVE_INFINITY,
): Promise<TokenOutcome> {
  const integration = await deps.integrations.get(c.integrationId);
  if (!integration || !isOAuth(integration.config)) {
    throw new HookbridgeError('misconfigured', `Integration ${c.integrationId} is gone or is not OAuth`);
  }
  const provider = await resolveProvider(integration.config, { fetch: deps.fetch, now: deps.now() });
  const creds = await deps.clientCredentials(c.integrationId);
  const spec = buildTokenRequest(provider, { grantType: 'refresh_token', refreshToken }, creds);
  let outcome: TokenOutcome = { ok: false, error: 'not_attempted', transient: true };
  for (let i = 0; i <= TRANSIENT_BACKOFF_MS.length; i++) {
    const left = deadline - deps.now();
    if (left <= 0) throw outOfTime(); // not counted: the provider did not refuse anything
    try {
      const res = await sendSpec(deps, spec, Math.min(8_000, left));
      outcome = parseTokenResponse(provider, res.status, res.text, deps.now());
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

export async function publish(
  deps: Pick<ConnectionDeps, 'appEvents' | 'log'>,
  type: string,
  c: Pick<ConnectionRecord, 'id' | 'integrationId' | 'provider' | 'endUserId'>,
  now: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  try {
    await deps.appEvents.publish({
      id: `${type}:${c.id}:${now}`,
      type,
      occurredAt: new Date(now).toISOString(),
      data: {
        connectionId: c.id,
        integrationId: c.integrationId,
        provider: c.provider,
        endUserId: c.endUserId,
        ...extra,
      },
    });
  } catch (err) {
    deps.log.error('app event not published', {
      type,
      connectionId: c.id,
      error: (err as Error).message,
    });
  }
}

/**
 * What a token read returns, and the decrypted tokens behind it, shared by the read path
 * (tokens.ts) and the refresh (refresh.ts).
 */
import { HookbridgeError } from '../errors.js';
import { getProvider } from '../oauth/providers.js';
import { type ConnectionDeps, openTokens } from './deps.js';
import type { ConnectionRecord, ConnectionStatus, TokenSet } from './model.js';

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

/**
 * Decrypted tokens by connection, valid only for the exact sealed JWE they came from: every seal
 * has a fresh CEK and IV, so a new write (refresh, reconnect, even a delete + reconnect that
 * restarts the version at 1 in another process) never matches an old entry.
 */
export type OpenedTokens = Map<string, { sealed: string; tokens: TokenSet }>;
const OPENED_MAX = 5000;

/** The refresh margin is at most this share of the access token's lifetime (and at most the provider's margin, 300 s by default). */
export const MARGIN_LIFETIME_FRACTION = 0.25;

/**
 * How long before expiry a token is refreshed: min(provider margin, a quarter of the token's
 * lifetime). A 60 s token is refreshed in its last 15 s, a 300 s one in its last 75 s, an hour's
 * in its last 5 minutes; a fixed 300 s margin would refresh short-lived tokens on every read.
 */
export const marginMsFor = (
  c: Pick<ConnectionRecord, 'provider' | 'expiresAt' | 'tokenIssuedAt' | 'lastRefreshedAt' | 'createdAt'>,
): number => {
  const configured = (getProvider(c.provider)?.expiryMarginSeconds ?? 300) * 1000;
  if (c.expiresAt === undefined) return configured;
  const issuedAt = c.tokenIssuedAt ?? Date.parse(c.lastRefreshedAt ?? c.createdAt);
  const lifetime = c.expiresAt - issuedAt;
  return lifetime > 0 ? Math.min(configured, lifetime * MARGIN_LIFETIME_FRACTION) : configured;
};

/** A refresh is possible: a refresh token is kept and the catalog says the provider refreshes (its `refresh` flag). */
export const canRefresh = (c: Pick<ConnectionRecord, 'provider' | 'hasRefreshToken'>): boolean =>
  c.hasRefreshToken && getProvider(c.provider)?.refresh !== false;

export const needsRefresh = (c: ConnectionRecord, now: number): boolean =>
  c.expiresAt !== undefined && c.expiresAt - marginMsFor(c) <= now;

/**
 * The status reads and views act on: an active connection whose token has expired with no
 * refresh token to renew it needs the end user again, whatever the stored status still says.
 */
export const effectiveStatus = (c: ConnectionRecord, now: number): ConnectionStatus =>
  c.status === 'active' && !canRefresh(c) && c.expiresAt !== undefined && c.expiresAt <= now
    ? 'needs_reauth'
    : c.status;

/** Forget cached plaintext for a connection (after delete). */
export function forgetConnection(deps: Pick<ConnectionDeps, 'caches'>, id: string): void {
  deps.caches.tokens.delete(id);
}

/** Remember the plaintext of tokens this process just sealed, so the next read skips a decrypt. */
export function rememberTokens(
  deps: Pick<ConnectionDeps, 'caches'>,
  id: string,
  sealed: string,
  tokens: TokenSet,
): void {
  deps.caches.tokens.set(id, { sealed, tokens });
}

export async function tokensOf(deps: ConnectionDeps, c: ConnectionRecord): Promise<TokenSet> {
  const opened = deps.caches.tokens;
  const hit = opened.get(c.id);
  if (hit && hit.sealed === c.tokens) return hit.tokens;
  const tokens = await openTokens<TokenSet>(deps, c.tokens);
  if (opened.size >= OPENED_MAX) opened.delete(opened.keys().next().value!);
  opened.set(c.id, { sealed: c.tokens, tokens });
  return tokens;
}

export async function viewOf(deps: ConnectionDeps, c: ConnectionRecord): Promise<FreshAccessToken> {
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

export const reauthError = (id: string) =>
  new HookbridgeError('needs_reauth', `Connection ${id} needs the end user to connect again`, {
    extensions: { connectionId: id },
  });

export const notFound = (id: string) => new HookbridgeError('not_found', `No connection ${id}`);

export const outOfTime = () =>
  new HookbridgeError('upstream_timeout', 'The token could not be refreshed within the time budget');

/**
 * The last steps of the callback: decide (pure) the connection record and the event for an
 * exchanged code, then store it with a version condition (create, or update the one connection
 * of this end user and integration), log and publish.
 */
import { createHash } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import type { OAuthIntegrationConfig } from '../integrations/schema.js';
import type { ParsedTokens, ResolvedProvider } from '../oauth/protocol.js';
import { publish } from './app-events.js';
import { type ConnectionDeps, openTokens } from './deps.js';
import type { ConnectionRecord, OAuthState, TokenSet } from './model.js';
import { forgetConnection } from './token-view.js';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** One connection per (integration, end user): the id is derived, so reconnecting updates it. */
export function connectionIdFor(integrationId: string, endUserId: string): string {
  const h = createHash('sha256').update(`${integrationId}\0${endUserId}`).digest();
  let out = '';
  for (let i = 0; i < 20; i++) out += B32[h[i]! & 31];
  return `conn_${out}`;
}

/** What the callback knows once the code is exchanged (and the ID token, if any, validated). */
export interface ExchangedConnection {
  state: Pick<OAuthState, 'integrationId' | 'endUserId' | 'metadata' | 'scopes'>;
  provider: Pick<ResolvedProvider, 'slug'>;
  config: Pick<OAuthIntegrationConfig, 'provider'>;
  tokens: Omit<ParsedTokens, 'metadata'>;
  /** Token-response and redirect values, the integration's params winning. */
  providerMetadata: Record<string, unknown>;
}

/** decide: the record to write (all but the sealed tokens) and the event it makes. */
export interface ConnectionDecision {
  tokens: TokenSet;
  record: Omit<ConnectionRecord, 'tokens' | 'kid'>;
  event: { type: 'connection.created' | 'connection.recovered'; extra: Record<string, unknown> };
}

/**
 * Pure. `existing` is the stored connection (if any) and `keptRefreshToken` its refresh token,
 * kept when the provider sent none this time.
 */
export function decideConnection(
  x: ExchangedConnection,
  existing: ConnectionRecord | undefined,
  keptRefreshToken: string | undefined,
  at: string,
): ConnectionDecision {
  const t = x.tokens;
  const tokens: TokenSet = {
    accessToken: t.accessToken,
    refreshToken: t.refreshToken ?? keptRefreshToken,
    idToken: t.idToken,
    tokenType: t.tokenType,
  };
  const generic = x.config.provider === 'oidc' || x.config.provider === 'oauth2';
  const record: ConnectionDecision['record'] = {
    id: connectionIdFor(x.state.integrationId, x.state.endUserId),
    integrationId: x.state.integrationId,
    provider: generic ? x.config.provider : x.provider.slug,
    endUserId: x.state.endUserId,
    status: 'active',
    scopes: t.scopes ?? x.state.scopes,
    metadata: x.state.metadata,
    providerMetadata: x.providerMetadata,
    hasRefreshToken: tokens.refreshToken !== undefined,
    ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt, tokenIssuedAt: Date.parse(at) } : {}),
    version: (existing?.version ?? 0) + 1,
    refreshFailures: 0,
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };
  const event: ConnectionDecision['event'] = !existing
    ? { type: 'connection.created', extra: {} }
    : existing.status === 'needs_reauth'
      ? { type: 'connection.recovered', extra: { reconnected: true } }
      : { type: 'connection.created', extra: { reconnected: true } };
  return { tokens, record, event };
}

/** apply: seal and save with the version condition; a concurrent change is retried twice. */
export async function storeConnection(
  deps: ConnectionDeps,
  x: ExchangedConnection,
): Promise<ConnectionRecord> {
  const id = connectionIdFor(x.state.integrationId, x.state.endUserId);
  const vault = await deps.vault();
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await deps.store.get(id);
    const keepRefresh =
      existing && !x.tokens.refreshToken
        ? (await openTokens<TokenSet>(deps, existing.tokens)).refreshToken
        : undefined;
    const d = decideConnection(x, existing, keepRefresh, new Date(deps.now()).toISOString());
    const rec: ConnectionRecord = { ...d.record, tokens: await vault.seal(d.tokens), kid: vault.currentKid };
    if (await deps.store.save(rec, existing?.version)) {
      forgetConnection(deps, id);
      deps.log.info('connection stored', {
        connectionId: id,
        integrationId: rec.integrationId,
        reconnected: !!existing,
      });
      await publish(deps, d.event.type, rec, deps.now(), d.event.extra);
      return rec;
    }
  }
  throw new HookbridgeError('conflict', 'The connection was being changed concurrently; try again');
}

/** The records behind connections: connect sessions, OAuth states and connections themselves. */

export type ConnectionStatus = 'active' | 'needs_reauth';

export interface ConnectSession {
  id: string;
  integrationId: string;
  endUserId: string;
  returnUrl?: string | undefined;
  metadata: Record<string, unknown>;
  createdAt: string;
  /** Epoch ms. */
  expiresAt: number;
  usedAt?: string | undefined;
}

/** Server-side half of one authorization request; the browser only ever sees `state`. */
export interface OAuthState {
  state: string;
  sessionId: string;
  integrationId: string;
  endUserId: string;
  returnUrl?: string | undefined;
  metadata: Record<string, unknown>;
  /** SHA-256 of the browser-binding cookie. */
  bindingHash: string;
  codeVerifier?: string | undefined;
  nonce?: string | undefined;
  redirectUri: string;
  scopes: string[];
  /** Epoch ms. */
  expiresAt: number;
}

/** What the vault seals. Never logged, never returned except by the access-token endpoint. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string | undefined;
  idToken?: string | undefined;
  tokenType: string;
}

export interface ConnectionRecord {
  id: string;
  integrationId: string;
  provider: string;
  endUserId: string;
  status: ConnectionStatus;
  scopes: string[];
  /** The app's metadata from the connect session. */
  metadata: Record<string, unknown>;
  /** Kept token-response and redirect values (e.g. `instance_url`, `realmId`). */
  providerMetadata: Record<string, unknown>;
  /** JWE of a TokenSet. */
  tokens: string;
  kid: string;
  hasRefreshToken: boolean;
  /** Epoch ms; absent when the provider did not say. */
  expiresAt?: number | undefined;
  /** Epoch ms when the current access token was obtained: its lifetime scales the refresh margin. */
  tokenIssuedAt?: number | undefined;
  version: number;
  leaseOwner?: string | undefined;
  leaseUntil?: number | undefined;
  /** Consecutive failed refreshes, and when the first of them happened (epoch ms). */
  refreshFailures: number;
  firstFailureAt?: number | undefined;
  /**
   * Consecutive refreshes answered `invalid_grant`, and when the first of them happened (epoch
   * ms). Any other outcome (success, transient error, other refusal) resets both: only an
   * unbroken invalid_grant streak can make a connection needs_reauth.
   */
  invalidGrantStreak?: number | undefined;
  invalidGrantSince?: number | undefined;
  lastError?: string | undefined;
  lastRefreshedAt?: string | undefined;
  createdAt: string;
  updatedAt: string;
}

/**
 * A revocation that failed at delete, kept to be retried in the background (revoke.ts): the
 * deleted connection's sealed tokens until the provider confirms (`revoked`) or gives a final
 * answer (`failed`); finished jobs stay readable for REVOCATION_KEEP_MS.
 */
export interface RevocationJob {
  connectionId: string;
  integrationId: string;
  provider: string;
  endUserId: string;
  /** JWE of the deleted connection's TokenSet. */
  tokens: string;
  status: 'pending' | 'revoked' | 'failed';
  /** Attempts so far, the one at delete included. */
  attempts: number;
  /** Epoch ms of the next attempt, while pending. */
  nextAttemptAt?: number | undefined;
  lastError?: string | undefined;
  createdAt: string;
  updatedAt: string;
}

export const REVOCATION_KEEP_MS = 30 * 24 * 3_600_000;

export const CONNECT_SESSION_TTL_MS = 30 * 60_000;
export const OAUTH_STATE_TTL_MS = 15 * 60_000;
/** The longest `?session=` and `?state=` taken from a browser (ours are under 50); longer is a 400 page before any store read. */
export const MAX_SESSION_CHARS = 200;
export const MAX_STATE_CHARS = 200;

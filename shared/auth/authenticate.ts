import { createHash, timingSafeEqual } from 'node:crypto';
import { type ConsoleSession, CSRF_HEADER, csrfMatches, sessionCookieValue } from '../console/session.js';
import { HookbridgeError } from '../errors.js';
import type { Clock } from '../ports/index.js';
import type { ApiKeyRepo, ConsoleSessionRepo } from '../ports/stores.js';
import { ADMIN_SECRET_NAME } from '../secret-names.js';
import type { SecretCache } from '../secrets.js';
import { apiKeyMatches, bearerToken, type Principal, parseApiKeyId } from './api-keys.js';
import { hasScope, type Scope } from './scopes.js';

export { ADMIN_SECRET_NAME };

export interface AuthDeps {
  apiKeys: Pick<ApiKeyRepo, 'getForAuth'>;
  /** Console sessions: one consistent read per console call; sign-out deletes the record. */
  consoleSessions: ConsoleSessionRepo;
  secrets: Pick<SecretCache, 'get'>;
  clock: Clock;
  /** HOOKBRIDGE_API_KEY, locally; on AWS the admin key lives in `hookbridge/admin`. */
  adminKey?: string | undefined;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The bootstrap admin key: HOOKBRIDGE_API_KEY locally, else secret `hookbridge/admin` (`{"apiKey": "…"}`). */
export async function adminKey(rt: AuthDeps): Promise<string | undefined> {
  if (rt.adminKey) return rt.adminKey;
  const value = await rt.secrets.get(ADMIN_SECRET_NAME);
  if (typeof value === 'string') return value;
  const key = (value as { apiKey?: unknown } | undefined)?.apiKey;
  return typeof key === 'string' ? key : undefined;
}

/** Resolves the caller from `Authorization: Bearer …` and checks the scope. Throws 401 / 403. */
export async function authenticate(
  rt: AuthDeps,
  authorization: string | undefined,
  needed?: Scope,
): Promise<Principal> {
  const presented = bearerToken(authorization);
  if (!presented) {
    throw new HookbridgeError('unauthorized', 'Send an API key as "Authorization: Bearer <key>"', {
      headers: { 'www-authenticate': 'Bearer realm="hookbridge"' },
    });
  }
  const principal = await resolve(rt, presented);
  if (!principal) {
    throw new HookbridgeError('unauthorized', 'The API key is not valid or has been revoked', {
      headers: { 'www-authenticate': 'Bearer realm="hookbridge", error="invalid_token"' },
    });
  }
  return checkScope(principal, needed);
}

/** 403 unless the principal carries `needed` (admin carries every scope). */
export function checkScope(principal: Principal, needed: Scope | undefined): Principal {
  if (needed && !hasScope(principal.scopes, needed)) {
    throw new HookbridgeError('insufficient_scope', `This route needs the "${needed}" scope`, {
      extensions: { requiredScope: needed },
      headers: {
        'www-authenticate': `Bearer realm="hookbridge", error="insufficient_scope", scope="${needed}"`,
      },
    });
  }
  return principal;
}

/** The console session a request's cookie holds (401 when absent, expired, forged or signed out). */
export async function consoleSession(rt: AuthDeps, cookies: readonly string[]): Promise<ConsoleSession> {
  const token = sessionCookieValue(cookies);
  if (!token) throw new HookbridgeError('unauthorized', 'Sign in to the console first');
  const admin = await adminKey(rt);
  const { openSession } = await import('../console/session-token.js');
  const session = admin ? await openSession(admin, token, rt.clock.now()) : undefined;
  if (!session) throw new HookbridgeError('unauthorized', 'The console session has expired; sign in again');
  if (!(await rt.consoleSessions.isLive(session.sid, rt.clock.now())))
    throw new HookbridgeError('unauthorized', 'The console session has ended (signed out); sign in again');
  return session;
}

/**
 * A console call (`/console/api/…`): the session cookie names the key and the session (whose record
 * must still exist: one consistent read), the CSRF header must echo the session's token, and the
 * key is looked up again (so a revoked key stops at once), then the
 * route's scope is checked exactly as for `Authorization: Bearer`.
 */
export async function authenticateSession(
  rt: AuthDeps,
  req: { cookies: readonly string[]; headers: Record<string, string> },
  needed?: Scope,
): Promise<Principal & { sessionId: string }> {
  const session = await consoleSession(rt, req.cookies);
  if (!csrfMatches(session, req.headers[CSRF_HEADER]))
    throw new HookbridgeError('forbidden', `Console calls must carry the session's ${CSRF_HEADER} header`);
  const principal = await resolveKeyId(rt, session.keyId);
  if (!principal) throw new HookbridgeError('unauthorized', 'The API key of this session has been revoked');
  return { ...checkScope(principal, needed), sessionId: session.sid };
}

/** The key behind a session: `admin`, or a stored key that is not revoked. */
export async function resolveKeyId(rt: AuthDeps, keyId: string): Promise<Principal | undefined> {
  if (keyId === 'admin') return { keyId, scopes: ['admin'] };
  const rec = await rt.apiKeys.getForAuth(keyId, rt.clock.now());
  return rec && !rec.revokedAt ? { keyId: rec.id, scopes: rec.scopes } : undefined;
}

/** The key a presented secret is, if any (exported for the console's sign-in). */
export const resolveApiKey = (rt: AuthDeps, presented: string) => resolve(rt, presented);

async function resolve(rt: AuthDeps, presented: string): Promise<Principal | undefined> {
  const id = parseApiKeyId(presented);
  if (id) {
    const rec = await rt.apiKeys.getForAuth(id, rt.clock.now());
    if (rec && !rec.revokedAt && apiKeyMatches(presented, rec.hash))
      return { keyId: rec.id, scopes: rec.scopes };
    if (rec) return undefined;
  }
  const admin = await adminKey(rt);
  if (admin && timingSafeEqual(digest(presented), digest(admin)))
    return { keyId: 'admin', scopes: ['admin'] };
  return undefined;
}

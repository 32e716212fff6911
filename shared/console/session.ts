/**
 * The console's session: an API key exchanged (POST /console/session) for a short-lived cookie.
 * The cookie holds no key: it is a JWE (dir, A256GCM) of the key id, a session id, a CSRF token and
 * an expiry, sealed with a key derived (HKDF) from the bootstrap admin key, which every API-key
 * function can already read. Rotating the admin key therefore ends every console session. The
 * session id names a record in the store, read on every console call and deleted at sign-out (or by
 * an admin's "end all sessions"), so a copied cookie stops working at once. The sealing is in
 * session-token.ts, loaded only when a console call comes (the webhook hot path never loads jose).
 */
import { timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'hb_console';
/** The header every cookie-authenticated call carries: the session's CSRF token. */
export const CSRF_HEADER = 'x-hookbridge-csrf';
/** Console sessions last 30 minutes; then the page asks for the key again. */
export const SESSION_TTL_SEC = 30 * 60;
/** The public API under the console's cookie path: `/console/api/events` is `GET /events` as the session's key. */
export const CONSOLE_API_PREFIX = '/console/api';

export interface ConsoleSession {
  /** The session's id: its record in the store, deleted at sign-out. */
  sid: string;
  keyId: string;
  csrf: string;
  /** Epoch seconds. */
  exp: number;
}

export const csrfMatches = (session: ConsoleSession, presented: string | undefined): boolean => {
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented ?? '');
  return a.length === b.length && timingSafeEqual(a, b);
};

/** HttpOnly, SameSite=Strict, Path=/console; Secure when the console is served over https. */
export const sessionCookie = (value: string, maxAgeSec: number, secure: boolean): string =>
  `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure ? '; Secure' : ''}`;

/** The session cookie's value among the request's cookies (`name=value` each). */
export function sessionCookieValue(cookies: readonly string[]): string | undefined {
  for (const c of cookies) {
    const eq = c.indexOf('=');
    if (eq > 0 && c.slice(0, eq).trim() === SESSION_COOKIE) return c.slice(eq + 1).trim();
  }
  return undefined;
}

/** `/console/api/events` -> `/events`; undefined for any other path. */
export function consoleApiPath(path: string): string | undefined {
  return path.startsWith(`${CONSOLE_API_PREFIX}/`) ? path.slice(CONSOLE_API_PREFIX.length) : undefined;
}

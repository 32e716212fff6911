import { describe, expect, it } from 'vitest';
import {
  consoleApiPath,
  SESSION_TTL_SEC,
  sessionCookie,
  sessionCookieValue,
} from '../../shared/console/session.js';
import { openSession, sealSession } from '../../shared/console/session-token.js';

const ADMIN = 'admin-key-for-the-session-test';
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('console session token', () => {
  it('opens to the key id and CSRF token it was sealed with, and holds neither in clear', async () => {
    const s = await sealSession(ADMIN, 'abc123def456', NOW);
    expect(await openSession(ADMIN, s.token, NOW + 1000)).toEqual({
      sid: s.sid,
      keyId: 'abc123def456',
      csrf: s.csrf,
      exp: NOW / 1000 + SESSION_TTL_SEC,
    });
    expect(s.sid).toMatch(/^[\w-]{24}$/);
    expect((await sealSession(ADMIN, 'abc123def456', NOW)).sid).not.toBe(s.sid);
    expect(s.token).not.toContain('abc123def456');
    expect(Buffer.from(s.token.split('.')[3] ?? '', 'base64url').toString()).not.toContain(s.csrf);
  });

  it('does not open after its 30 minutes, under another admin key, or tampered with', async () => {
    const s = await sealSession(ADMIN, 'admin', NOW);
    expect(await openSession(ADMIN, s.token, NOW + (SESSION_TTL_SEC + 1) * 1000)).toBeUndefined();
    expect(await openSession('another-admin-key', s.token, NOW)).toBeUndefined();
    const parts = s.token.split('.');
    // The ciphertext's first character changed: always other bytes (a last character may be padding).
    parts[3] = `${parts[3]![0] === 'A' ? 'B' : 'A'}${parts[3]!.slice(1)}`;
    expect(await openSession(ADMIN, parts.join('.'), NOW)).toBeUndefined();
    expect(await openSession(ADMIN, 'not-a-token', NOW)).toBeUndefined();
  });

  it('the cookie is HttpOnly, SameSite=Strict, Path=/console, Secure only on https', () => {
    expect(sessionCookie('v', 60, true)).toBe(
      'hb_console=v; Path=/console; HttpOnly; SameSite=Strict; Max-Age=60; Secure',
    );
    expect(sessionCookie('v', 60, false)).not.toContain('Secure');
    expect(sessionCookieValue(['a=1', ' hb_console=tok ', 'b=2'])).toBe('tok');
    expect(sessionCookieValue(['hb_consolex=1'])).toBeUndefined();
  });

  it('maps /console/api/<path> to <path>, and nothing else', () => {
    expect(consoleApiPath('/console/api/events/e1')).toBe('/events/e1');
    expect(consoleApiPath('/console/apix/events')).toBeUndefined();
    expect(consoleApiPath('/console/api')).toBeUndefined();
    expect(consoleApiPath('/events')).toBeUndefined();
  });
});

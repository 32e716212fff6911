import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Scope } from './scopes.js';

/**
 * API keys look like `hbk_<12 hex id>_<43 char secret>`. Only the SHA-256 of the whole key is
 * stored: the keys are 256-bit random, so a slow password hash would add latency and no safety.
 */
const KEY_RE = /^hbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: Scope[];
  hash: string;
  createdAt: string;
  revokedAt?: string | undefined;
}

export interface Principal {
  keyId: string;
  scopes: Scope[];
}

export function generateApiKey(): { id: string; key: string; hash: string } {
  const id = randomBytes(6).toString('hex');
  const key = `hbk_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashApiKey(key) };
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Returns the key id if the string is shaped like one of our keys. */
export function parseApiKeyId(key: string): string | undefined {
  return KEY_RE.exec(key)?.[1];
}

/** Constant-time comparison of a presented key against a stored hash (both hashed to 32 bytes first). */
export function apiKeyMatches(presented: string, storedHashHex: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = Buffer.from(storedHashHex, 'hex');
  return b.length === a.length && timingSafeEqual(a, b);
}

/** Extracts the bearer credential: `Bearer`, one space, the key, nothing after; else undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer ([^\s]+)$/i.exec(authorization);
  return m?.[1];
}

import { describe, expect, it } from 'vitest';
import {
  apiKeyMatches,
  bearerToken,
  generateApiKey,
  hashApiKey,
  parseApiKeyId,
} from '../../shared/auth/api-keys.js';
import { hasScope } from '../../shared/auth/scopes.js';

describe('API keys', () => {
  it('generates keys whose stored form is only a SHA-256 hash', () => {
    const { id, key, hash } = generateApiKey();
    expect(key).toMatch(/^hbk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKeyId(key)).toBe(id);
    expect(hash).toBe(hashApiKey(key));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(key.slice(17));
  });

  it('matches only the exact key, whatever the length of the attempt', () => {
    const { key, hash } = generateApiKey();
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(`${key}x`, hash)).toBe(false);
    expect(apiKeyMatches(key.slice(0, -1), hash)).toBe(false);
    expect(apiKeyMatches('', hash)).toBe(false);
    expect(apiKeyMatches(key, 'not-hex')).toBe(false);
  });

  it('parses only Bearer credentials', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Bearer  abc')).toBeUndefined();
    expect(bearerToken('Bearer abc ')).toBeUndefined();
    expect(bearerToken('Bearer\tabc')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(parseApiKeyId('hbk_short_x')).toBeUndefined();
  });

  it('checks scopes, with admin implying all', () => {
    expect(hasScope(['events:read'], 'events:read')).toBe(true);
    expect(hasScope(['events:read'], 'admin')).toBe(false);
    expect(hasScope(['events:read'], 'connections:token')).toBe(false);
    expect(hasScope(['admin'], 'connections:token')).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { validateIdToken } from '../../shared/oauth/protocol.js';
import { newVaultSecret, TokenVault } from '../../shared/vault/vault.js';

const key = () => randomBytes(32).toString('base64');

describe('token vault', () => {
  it('rotation round trip: old ciphertexts open, new ones use the new kid', async () => {
    const k1 = key();
    const v1 = new TokenVault({ current: 'k1', keys: { k1 } });
    const sealed1 = await v1.seal({ accessToken: 'at', refreshToken: 'rt' });
    expect(TokenVault.kidOf(sealed1)).toBe('k1');
    expect(sealed1).not.toContain('at');
    const k2 = key();
    const v2 = new TokenVault({ current: 'k2', keys: { k1, k2 } });
    expect(await v2.open(sealed1)).toEqual({ accessToken: 'at', refreshToken: 'rt' });
    const sealed2 = await v2.seal(await v2.open(sealed1));
    expect(TokenVault.kidOf(sealed2)).toBe('k2');
    // After the re-encryption the old key can go.
    const v3 = new TokenVault({ current: 'k2', keys: { k2 } });
    expect(await v3.open(sealed2)).toEqual({ accessToken: 'at', refreshToken: 'rt' });
  });

  it('a missing key gives a clear error naming the kid', async () => {
    const sealed = await new TokenVault({ current: 'old', keys: { old: key() } }).seal({ a: 1 });
    const v = new TokenVault({ current: 'new', keys: { new: key() } });
    await expect(v.open(sealed)).rejects.toMatchObject({
      code: 'misconfigured',
      message: expect.stringContaining('"old"'),
    });
  });

  it('wrong key material for the kid gives a clear error', async () => {
    const sealed = await new TokenVault({ current: 'k', keys: { k: key() } }).seal({ a: 1 });
    await expect(new TokenVault({ current: 'k', keys: { k: key() } }).open(sealed)).rejects.toMatchObject({
      code: 'misconfigured',
      message: expect.stringContaining('do not decrypt with vault key "k"'),
    });
  });

  it('a malformed or missing secret is refused', () => {
    expect(() => new TokenVault(undefined)).toThrow(/hookbridge\/vault is missing or malformed/);
    expect(() => new TokenVault({ current: 'k', keys: { k: Buffer.alloc(16).toString('base64') } })).toThrow(
      /exactly 32 bytes/,
    );
    expect(() => new TokenVault({ current: 'x', keys: { k: key() } })).toThrow(/current kid has no key/);
    expect(new TokenVault(newVaultSecret('dev1')).currentKid).toBe('dev1');
  });
});

describe('ID token validation (OIDC Core 3.1.3.7) against a local JWKS', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const other = await generateKeyPair('ES256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  const NOW = Date.parse('2026-01-01T00:00:00Z');
  const iat = Math.floor(NOW / 1000);
  /** An ID token from the OP (or from `key`), with its registered claims overridable. */
  const sign = (
    claims: Record<string, unknown>,
    key = privateKey,
    at: { iss?: string; aud?: string | string[]; issuedAt?: number; expiresAt?: number } = {},
  ) =>
    new SignJWT({ nonce: 'n-1', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(at.iss ?? 'https://op.example')
      .setSubject('alice')
      .setAudience(at.aud ?? (claims.aud as string) ?? 'client-1')
      .setIssuedAt(at.issuedAt ?? iat)
      .setExpirationTime(at.expiresAt ?? iat + 300)
      .sign(key);
  /** What validateIdToken rejects with, its message naming `what`. */
  const refused = (what: string) => ({ code: 'invalid_id_token', message: expect.stringContaining(what) });
  const check = (token: string, nonce = 'n-1') =>
    validateIdToken(token, {
      issuer: 'https://op.example',
      clientId: 'client-1',
      nonce,
      getKey: jwks,
      now: NOW,
    });

  it('accepts a valid token', async () => {
    await expect(check(await sign({}))).resolves.toMatchObject({ sub: 'alice', nonce: 'n-1' });
  });
  it('refuses the wrong audience', async () => {
    await expect(check(await sign({ aud: 'someone-else' }))).rejects.toMatchObject(refused('"aud"'));
  });
  it('refuses the wrong nonce', async () => {
    await expect(check(await sign({}), 'n-2')).rejects.toMatchObject(refused('"nonce"'));
  });
  it('refuses an expired token', async () => {
    const t = await sign({}, privateKey, { issuedAt: iat - 7200, expiresAt: iat - 3600 });
    await expect(check(t)).rejects.toMatchObject(refused('expired'));
  });
  it('refuses another signer, another issuer and a foreign azp', async () => {
    await expect(check(await sign({}, other.privateKey))).rejects.toMatchObject(refused('signature'));
    const wrongIss = await sign({}, privateKey, { iss: 'https://evil.example' });
    await expect(check(wrongIss)).rejects.toMatchObject(refused('"iss"'));
    await expect(check(await sign({ azp: 'other-client' }))).rejects.toMatchObject(refused('"azp"'));
    const multi = await sign({}, privateKey, { aud: ['client-1', 'api'] });
    await expect(check(multi)).rejects.toMatchObject(refused('azp'));
  });
});

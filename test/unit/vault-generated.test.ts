import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HookbridgeError } from '../../shared/errors.js';
import { keyBytes, newVaultSecret, TokenVault } from '../../shared/vault/vault.js';

describe('vault key forms', () => {
  it('reads the form the CDK stack generates ({"current":"k1","k1":"<random>"})', async () => {
    const generated = { current: 'k1', k1: randomBytes(48).toString('base64url').slice(0, 64) };
    const vault = new TokenVault(generated);
    const sealed = await vault.seal({ access_token: 'at' });
    expect(TokenVault.kidOf(sealed)).toBe('k1');
    // After a rotation to the canonical form, the generated key still opens old tokens.
    const rotated = new TokenVault({
      current: 'k2',
      keys: { k1: generated.k1, ...newVaultSecret('k2').keys },
    });
    expect(await rotated.open(sealed)).toEqual({ access_token: 'at' });
  });

  it('takes base64 of 32 bytes as is and stretches long random strings', () => {
    const raw = randomBytes(32);
    expect(Buffer.from(keyBytes(raw.toString('base64'))!).equals(raw)).toBe(true);
    expect(keyBytes('x'.repeat(40))?.length).toBe(32);
    expect(keyBytes('too-short')).toBeUndefined();
  });

  it('refuses short key material with an error naming the secret', () => {
    expect(() => new TokenVault({ current: 'k1', k1: 'short' })).toThrowError(HookbridgeError);
    expect(() => new TokenVault({ current: 'k1', keys: { k1: 'short' } })).toThrowError(
      /hookbridge\/vault.*40 characters/,
    );
  });
});

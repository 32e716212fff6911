import { createHash, randomBytes } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import * as z from 'zod/mini';
import { HookbridgeError } from '../errors.js';
import { VAULT_SECRET_NAME } from '../secret-names.js';
import '../zod-locale.js';

/**
 * The token vault: tokens are sealed as compact JWE (`dir` + A256GCM) under the current key of
 * `hookbridge/vault`, `{"current": kid, "keys": {kid: base64 of 32 bytes}}`. Any listed key
 * decrypts, so a rotation is: add a key, make it current, run `npm run vault:reencrypt`, then
 * drop the old key.
 */
export { VAULT_SECRET_NAME };

const Kid = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a kid is 1-64 of A-Z a-z 0-9 _ . -'));

const B64_32 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Key material: base64 of exactly 32 bytes, or a random string of at least 40 characters, which
 * is hashed with SHA-256 into 32 bytes (the form the CDK stack generates, since Secrets Manager
 * can only generate printable strings).
 */
export function keyBytes(material: string): Uint8Array | undefined {
  if (B64_32.test(material)) return new Uint8Array(Buffer.from(material, 'base64'));
  if (material.length >= 40) return new Uint8Array(createHash('sha256').update(material, 'utf8').digest());
  return undefined;
}

export const VaultKeys = z
  .object({
    current: Kid,
    keys: z.record(
      Kid,
      z
        .string()
        .check(
          z.refine(
            (s: string) => keyBytes(s) !== undefined,
            'each key must be base64 of exactly 32 bytes, or a random string of at least 40 characters',
          ),
        ),
    ),
  })
  .check(
    z.refine((v: { current: string; keys: Record<string, string> }) => Object.hasOwn(v.keys, v.current), {
      message: 'the current kid has no key',
    }),
  );

/** The stack's generated form `{"current": "k1", "k1": "<random>"}` is read as `{"current", "keys": {k1}}`. */
function normaliseVaultSecret(secret: unknown): unknown {
  if (!secret || typeof secret !== 'object') return secret;
  const o = secret as Record<string, unknown>;
  if (o.keys !== undefined || typeof o.current !== 'string' || typeof o[o.current] !== 'string')
    return secret;
  return { current: o.current, keys: { [o.current]: o[o.current] } };
}

export type VaultKeys = z.infer<typeof VaultKeys>;

export class TokenVault {
  private readonly keys: Map<string, Uint8Array>;
  readonly currentKid: string;

  constructor(secret: unknown) {
    const parsed = VaultKeys.safeParse(normaliseVaultSecret(secret));
    if (!parsed.success) {
      throw new HookbridgeError(
        'misconfigured',
        `Secret ${VAULT_SECRET_NAME} is missing or malformed: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
    }
    this.currentKid = parsed.data.current;
    this.keys = new Map(
      Object.entries(parsed.data.keys).map(([kid, material]) => [kid, keyBytes(material)!]),
    );
  }

  /** Seals a JSON value under the current key. */
  async seal(value: unknown): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(value)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: this.currentKid, cty: 'json' })
      .encrypt(this.keys.get(this.currentKid)!);
  }

  /** The kid a sealed value was encrypted under (no decryption). */
  static kidOf(jwe: string): string | undefined {
    try {
      return decodeProtectedHeader(jwe).kid;
    } catch {
      return undefined;
    }
  }

  async open<T = unknown>(jwe: string): Promise<T> {
    const kid = TokenVault.kidOf(jwe);
    if (!kid) throw new HookbridgeError('internal', 'Sealed tokens have no readable kid header');
    const key = this.keys.get(kid);
    if (!key) {
      throw new HookbridgeError(
        'misconfigured',
        `Tokens are sealed under vault key "${kid}", which ${VAULT_SECRET_NAME} no longer lists`,
      );
    }
    try {
      const { plaintext } = await compactDecrypt(jwe, key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return JSON.parse(new TextDecoder().decode(plaintext)) as T;
    } catch {
      throw new HookbridgeError(
        'misconfigured',
        `Sealed tokens do not decrypt with vault key "${kid}" (wrong key material for that kid?)`,
      );
    }
  }
}

/** A fresh vault secret value, for dev secrets and rotation. */
export function newVaultSecret(kid = `k${Date.now().toString(36)}`): VaultKeys {
  return { current: kid, keys: { [kid]: randomBytes(32).toString('base64') } };
}

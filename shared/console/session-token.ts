/** Seals and opens console session tokens (see session.ts). */
import { hkdfSync, randomBytes } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { type ConsoleSession, SESSION_TTL_SEC } from './session.js';

const keyFrom = (adminKey: string) =>
  new Uint8Array(hkdfSync('sha256', adminKey, 'hookbridge', 'hookbridge console session v1', 32));

export async function sealSession(
  adminKey: string,
  keyId: string,
  nowMs: number,
): Promise<ConsoleSession & { token: string }> {
  const csrf = randomBytes(24).toString('base64url');
  const sid = randomBytes(18).toString('base64url');
  const exp = Math.floor(nowMs / 1000) + SESSION_TTL_SEC;
  const token = await new EncryptJWT({ kid: keyId, csrf, sid })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(exp)
    .encrypt(keyFrom(adminKey));
  return { token, keyId, csrf, exp, sid };
}

/** The session a cookie value holds; undefined when it is not ours, tampered with or expired. */
export async function openSession(
  adminKey: string,
  token: string,
  nowMs: number,
): Promise<ConsoleSession | undefined> {
  try {
    const { payload } = await jwtDecrypt(token, keyFrom(adminKey), {
      currentDate: new Date(nowMs),
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    const { kid, csrf, exp, sid } = payload;
    if (typeof kid !== 'string' || typeof csrf !== 'string' || typeof exp !== 'number') return undefined;
    if (typeof sid !== 'string') return undefined;
    return { keyId: kid, csrf, exp, sid };
  } catch {
    return undefined;
  }
}

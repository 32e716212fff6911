/** ID token validation with jose (OIDC Core 3.1.3.7). */
import { type createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { HookbridgeError } from '../errors.js';

/**
 * OIDC Core 3.1.3.7: signature (JWKS), iss, aud, azp, exp, iat and nonce. Throws
 * `invalid_id_token` naming the failed check.
 */
export async function validateIdToken(
  idToken: string,
  expected: {
    issuer: string;
    clientId: string;
    nonce?: string | undefined;
    getKey: JWTVerifyGetKey;
    now: number;
  },
): Promise<Record<string, unknown>> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(idToken, expected.getKey, {
      issuer: expected.issuer,
      audience: expected.clientId,
      currentDate: new Date(expected.now),
      clockTolerance: 30,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
  } catch (err) {
    const e = err as { code?: string; claim?: string; message?: string };
    const what =
      e.code === 'ERR_JWT_EXPIRED'
        ? 'it has expired'
        : e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
          ? `the "${e.claim}" claim is wrong`
          : e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || e.code === 'ERR_JWKS_NO_MATCHING_KEY'
            ? 'its signature does not verify with the issuer’s keys'
            : 'it is malformed';
    throw new HookbridgeError('invalid_id_token', `The ID token was refused: ${what}`);
  }
  const aud = payload.aud;
  if (Array.isArray(aud) && aud.length > 1 && payload.azp === undefined) {
    throw new HookbridgeError('invalid_id_token', 'The ID token was refused: several audiences and no "azp"');
  }
  if (payload.azp !== undefined && payload.azp !== expected.clientId) {
    throw new HookbridgeError('invalid_id_token', 'The ID token was refused: the "azp" claim is wrong');
  }
  if (expected.nonce !== undefined && payload.nonce !== expected.nonce) {
    throw new HookbridgeError('invalid_id_token', 'The ID token was refused: the "nonce" claim is wrong');
  }
  return payload;
}

/** A forced JWKS re-fetch (an unknown `kid` inside jose's cooldown) happens at most this often per JWKS URI. */
export const JWKS_FORCED_REFETCH_MS = 5_000;

/**
 * The issuer's keys, re-fetched when a token names a `kid` the cached set lacks even inside
 * jose's 30 s cooldown (a signing-key rotation), at most once per JWKS_FORCED_REFETCH_MS.
 */
export function refetchingKeys(
  jwks: { set: ReturnType<typeof createRemoteJWKSet>; forcedAt?: number | undefined },
  now: () => number,
): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await jwks.set(header, token);
    } catch (err) {
      const due = jwks.forcedAt === undefined || now() - jwks.forcedAt >= JWKS_FORCED_REFETCH_MS;
      if (!(err instanceof errors.JWKSNoMatchingKey) || !due) throw err;
      jwks.forcedAt = now();
      await jwks.set.reload();
      return jwks.set(header, token);
    }
  };
}

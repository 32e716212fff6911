import { createHash, timingSafeEqual } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import type { Clock } from '../ports/index.js';
import type { ApiKeyRepo } from '../ports/stores.js';
import { ADMIN_SECRET_NAME } from '../secret-names.js';
import type { SecretCache } from '../secrets.js';
import { apiKeyMatches, bearerToken, type Principal, parseApiKeyId } from './api-keys.js';
import { hasScope, type Scope } from './scopes.js';

export { ADMIN_SECRET_NAME };

export interface AuthDeps {
  apiKeys: Pick<ApiKeyRepo, 'getForAuth'>;
  secrets: Pick<SecretCache, 'get'>;
  clock: Clock;
  /** HOOKBRIDGE_API_KEY, locally; on AWS the admin key lives in `hookbridge/admin`. */
  adminKey?: string | undefined;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The bootstrap admin key: HOOKBRIDGE_API_KEY locally, else secret `hookbridge/admin` (`{"apiKey": "…"}`). */
async function adminKey(rt: AuthDeps): Promise<string | undefined> {
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

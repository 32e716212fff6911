/** Revoke-and-delete: RFC 7009 revocation at the provider where the catalog has an endpoint, then delete. */
import { HookbridgeError } from '../errors.js';
import { isOAuth } from '../integrations/schema.js';
import { buildRevocationRequest, revocationTargets } from '../oauth/protocol.js';
import { publish } from './app-events.js';
import { type ConnectionDeps, openTokens, providerFor, sendSpec } from './deps.js';
import type { TokenSet } from './model.js';
import { forgetConnection, notFound } from './token-view.js';

/** The `error` of a `{"ok":false}` body (Slack style), or undefined when the body is not one. */
function okFalseError(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && (body as { ok?: unknown }).ok === false) {
      const e = (body as { error?: unknown }).error;
      return typeof e === 'string' ? e.slice(0, 100) : 'unknown';
    }
  } catch {
    // not JSON: RFC 7009 answers 200 with an empty body
  }
  return undefined;
}

/**
 * A second revocation refused because the first already ended the grant: Google answers 400
 * invalid_token for the access token of a revoked refresh token, Xero unsupported_token_type
 * for any access token (it revokes refresh tokens only).
 */
const alreadyGone = (res: { status: number; text: string }): boolean =>
  res.status === 400 && /"error"\s*:\s*"(invalid_token|unsupported_token_type)"/.test(res.text);

/** RFC 7009 revocation where the catalog has an endpoint, then delete. A provider error is reported, not fatal. */
export async function deleteConnection(
  deps: ConnectionDeps,
  id: string,
): Promise<{ revoked: boolean | 'unsupported'; revocationError?: string }> {
  const c = await deps.store.get(id);
  if (!c) throw notFound(id);
  let revoked: boolean | 'unsupported' = 'unsupported';
  let revocationError: string | undefined;
  try {
    const rec = await deps.integrations.get(c.integrationId);
    if (rec && isOAuth(rec.config)) {
      const provider = await providerFor(deps, rec.config, deps.now());
      if (provider.revocation) {
        const tokens = await openTokens<TokenSet>(deps, c.tokens);
        const creds = await deps.clientCredentials(c.integrationId, rec.config.provider);
        revoked = true;
        for (const [i, target] of revocationTargets(provider, tokens).entries()) {
          const spec = buildRevocationRequest(provider, target, creds)!;
          const res = await sendSpec(deps, spec);
          if (i > 0 && alreadyGone(res)) continue;
          if (res.status >= 400) {
            revoked = false;
            revocationError = `revocation endpoint answered HTTP ${res.status}`;
            break;
          }
          // Slack's auth.revoke (and similar) answers 200 {"ok":false,"error":…} on failure.
          const refused = okFalseError(res.text);
          if (refused !== undefined) {
            revoked = false;
            revocationError = `revocation endpoint answered ok:false (${refused})`;
            break;
          }
        }
      }
    }
  } catch (err) {
    revoked = false;
    revocationError = err instanceof HookbridgeError ? err.message : 'the revocation endpoint did not answer';
  }
  await deps.store.delete(id);
  forgetConnection(deps, id);
  deps.log.info('connection deleted', { connectionId: id, revoked, revocationError });
  await publish(deps, 'connection.revoked', c, deps.now(), {
    revokedAtProvider: revoked,
    ...(revocationError ? { revocationError } : {}),
  });
  return { revoked, ...(revocationError ? { revocationError } : {}) };
}

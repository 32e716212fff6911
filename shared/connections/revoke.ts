/**
 * Revoke-and-delete: RFC 7009 revocation at the provider where it has an endpoint, then delete.
 * A revocation that fails for a reason that may pass (network, 5xx, 429, discovery down) is kept
 * as a job with the sealed tokens and retried by the refresher with exponential backoff until the
 * provider confirms or gives a final answer (another 4xx, `{"ok":false}`), or after
 * REVOCATION_MAX_ATTEMPTS. The job is readable at `GET /connections/{id}/revocation`.
 */
import { HookbridgeError } from '../errors.js';
import { isOAuth } from '../integrations/schema.js';
import {
  buildRevocationRequest,
  type ResolvedProvider,
  readyClient,
  revocationTargets,
} from '../oauth/protocol.js';
import { publish } from './app-events.js';
import { type ConnectionDeps, openTokens, providerFor, sendSpec } from './deps.js';
import type { RevocationJob, TokenSet } from './model.js';
import { forgetConnection, notFound } from './token-view.js';

export const REVOCATION_MAX_ATTEMPTS = 16;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 6 * 3_600_000;
/** The wait before attempt `attempts + 1`: 1 min, doubling, at most 6 h (16 attempts span about 2.5 days). */
export const revocationBackoffMs = (attempts: number): number =>
  Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS);

/** One revocation attempt: done, nothing to do, worth retrying, or refused for good. */
type Attempt = { result: 'revoked' | 'unsupported' } | { result: 'retry' | 'final'; error: string };

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

const retryable = (status: number) => status >= 500 || status === 429 || status === 408;

/**
 * A second revocation refused because the first already ended the grant: Google answers 400
 * invalid_token for the access token of a revoked refresh token, Xero unsupported_token_type
 * for any access token (it revokes refresh tokens only).
 */
const alreadyGone = (res: { status: number; text: string }): boolean =>
  res.status === 400 && /"error"\s*:\s*"(invalid_token|unsupported_token_type)"/.test(res.text);

/**
 * Revokes the tokens in the catalog's order (revocationTargets). On a retry an earlier attempt
 * may already have ended the grant, so "already gone" counts as done for every token, not only
 * after the first.
 */
async function revokeTokens(
  deps: ConnectionDeps,
  provider: ResolvedProvider,
  job: { integrationId: string; configProvider: string; sealed: string; retry: boolean },
): Promise<Attempt> {
  const tokens = await openTokens<TokenSet>(deps, job.sealed);
  const creds = await deps.clientCredentials(job.integrationId, job.configProvider);
  for (const [i, target] of revocationTargets(provider, tokens).entries()) {
    const spec = buildRevocationRequest(provider, target, await readyClient(provider, creds, deps.now()))!;
    const res = await sendSpec(deps, spec);
    if ((i > 0 || job.retry) && alreadyGone(res)) continue;
    if (res.status >= 400) {
      const error = `revocation endpoint answered HTTP ${res.status}`;
      return { result: retryable(res.status) ? 'retry' : 'final', error };
    }
    // Slack's auth.revoke (and similar) answers 200 {"ok":false,"error":…} on failure.
    const refused = okFalseError(res.text);
    if (refused !== undefined)
      return { result: 'final', error: `revocation endpoint answered ok:false (${refused})` };
  }
  return { result: 'revoked' };
}

/** One attempt for a deleted connection's sealed tokens; never throws. */
async function attemptRevocation(
  deps: ConnectionDeps,
  integrationId: string,
  sealed: string,
  retry: boolean,
): Promise<Attempt> {
  try {
    const rec = await deps.integrations.get(integrationId);
    if (!rec || !isOAuth(rec.config)) return { result: 'unsupported' };
    const provider = await providerFor(deps, rec.config, deps.now());
    if (!provider.revocation) return { result: 'unsupported' };
    const configProvider = rec.config.provider;
    return await revokeTokens(deps, provider, { integrationId, configProvider, sealed, retry });
  } catch (err) {
    if (err instanceof HookbridgeError && err.code === 'ssrf_blocked')
      return { result: 'final', error: err.message };
    return {
      result: 'retry',
      error: err instanceof HookbridgeError ? err.message : 'the revocation endpoint did not answer',
    };
  }
}

/** What the API shows of a revocation job: never the tokens. */
export const revocationView = (j: RevocationJob) => ({
  connectionId: j.connectionId,
  integrationId: j.integrationId,
  status: j.status,
  attempts: j.attempts,
  ...(j.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(j.nextAttemptAt).toISOString() } : {}),
  ...(j.lastError ? { lastError: j.lastError } : {}),
  createdAt: j.createdAt,
  updatedAt: j.updatedAt,
});

/** RFC 7009 revocation where the provider has an endpoint, then delete; a failure that may pass is kept for retry. */
export async function deleteConnection(
  deps: ConnectionDeps,
  id: string,
): Promise<{
  revoked: boolean | 'unsupported';
  revocationError?: string;
  revocationRetry?: ReturnType<typeof revocationView>;
}> {
  const c = await deps.store.get(id);
  if (!c) throw notFound(id);
  const attempt = await attemptRevocation(deps, c.integrationId, c.tokens, false);
  const revoked =
    attempt.result === 'revoked' ? true : attempt.result === 'unsupported' ? 'unsupported' : false;
  const revocationError = 'error' in attempt ? attempt.error : undefined;
  let job: RevocationJob | undefined;
  if (attempt.result === 'retry') {
    const now = deps.now();
    const at = new Date(now).toISOString();
    job = {
      connectionId: c.id,
      integrationId: c.integrationId,
      provider: c.provider,
      endUserId: c.endUserId,
      tokens: c.tokens,
      status: 'pending',
      attempts: 1,
      nextAttemptAt: now + revocationBackoffMs(1),
      lastError: attempt.error,
      createdAt: at,
      updatedAt: at,
    };
    await deps.store.putRevocation(job); // before the delete: the tokens are never lost
  }
  await deps.store.delete(id);
  forgetConnection(deps, id);
  deps.log.info('connection deleted', {
    connectionId: id,
    revoked,
    revocationError,
    retry: job !== undefined,
  });
  await publish(deps, 'connection.revoked', c, deps.now(), {
    revokedAtProvider: revoked,
    ...(revocationError ? { revocationError } : {}),
    ...(job ? { revocationRetry: true } : {}),
  });
  return {
    revoked,
    ...(revocationError ? { revocationError } : {}),
    ...(job ? { revocationRetry: revocationView(job) } : {}),
  };
}

/** The job after one more attempt: revoked, failed for good, or pending with the next attempt scheduled. */
function settle(job: RevocationJob, attempt: Attempt, now: number): RevocationJob {
  const attempts = job.attempts + 1;
  const base = { ...job, attempts, updatedAt: new Date(now).toISOString(), nextAttemptAt: undefined };
  if (!('error' in attempt)) return { ...base, status: 'revoked', lastError: undefined };
  if (attempt.result === 'final') return { ...base, status: 'failed', lastError: attempt.error };
  if (attempts >= REVOCATION_MAX_ATTEMPTS)
    return { ...base, status: 'failed', lastError: `${attempt.error} (gave up after ${attempts} attempts)` };
  return { ...base, lastError: attempt.error, nextAttemptAt: now + revocationBackoffMs(attempts) };
}

/**
 * Retries the revocation jobs that are due (the refresher calls it every run). A job finished
 * here publishes `connection.revoked` again with `revokedAtProvider` and `attempts`.
 */
export async function retryRevocations(
  deps: ConnectionDeps,
  opts: { limit?: number; deadline?: number } = {},
): Promise<{ retried: number; revoked: number; failed: number }> {
  const stats = { retried: 0, revoked: 0, failed: 0 };
  for (const job of await deps.store.dueRevocations(deps.now(), opts.limit ?? 25)) {
    if (opts.deadline !== undefined && deps.now() >= opts.deadline) break;
    const next = settle(job, await attemptRevocation(deps, job.integrationId, job.tokens, true), deps.now());
    if (!(await deps.store.updateRevocation(next, job.attempts))) continue; // another run took it
    stats.retried++;
    deps.log.info('revocation retried', {
      connectionId: job.connectionId,
      status: next.status,
      attempts: next.attempts,
      error: next.lastError,
    });
    if (next.status === 'pending') continue;
    stats[next.status === 'revoked' ? 'revoked' : 'failed']++;
    const c = { ...job, id: job.connectionId };
    await publish(deps, 'connection.revoked', c, deps.now(), {
      revokedAtProvider: next.status === 'revoked',
      attempts: next.attempts,
      ...(next.lastError ? { revocationError: next.lastError } : {}),
    });
  }
  return stats;
}

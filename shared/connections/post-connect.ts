/**
 * Per-connection values from a call right after the code exchange (the catalog's `postConnect`):
 * the Xero tenant from `GET /connections`, the Atlassian cloud id from accessible-resources. A
 * failed call (or one answering no list) does not fail the connection: it is logged, and the values are simply not kept
 * (the proxy then leaves out the header that needs them; a caller may send its own).
 */
import { decodeJwt } from 'jose';
import type { ParsedTokens, ResolvedProvider } from '../oauth/protocol.js';
import { getProvider, valueAt } from '../oauth/providers.js';
import type { ConnectionDeps } from './deps.js';

/** An unverified JWT claim: only to pick among the provider's own answer, never to trust anything. */
function claimOf(token: string, claim: string): unknown {
  try {
    const payload = decodeJwt(token) as Record<string, unknown>;
    return payload[claim];
  } catch {
    return undefined; // not a JWT
  }
}

/** The list item this sign-in made (`match`), else the first. */
function pickItem(
  body: unknown,
  match: { field: string; claim: string } | undefined,
  token: string,
): unknown {
  if (!Array.isArray(body)) return undefined;
  const wanted = match ? claimOf(token, match.claim) : undefined;
  const matched = wanted === undefined ? undefined : body.find((i) => valueAt(i, match!.field) === wanted);
  return matched ?? body[0];
}

export async function postConnectMetadata(
  deps: ConnectionDeps,
  provider: Pick<ResolvedProvider, 'slug' | 'headers'>,
  tokens: Pick<ParsedTokens, 'accessToken'>,
): Promise<Record<string, unknown>> {
  const rule = getProvider(provider.slug)?.postConnect;
  if (!rule) return {};
  const headers = {
    ...provider.headers,
    accept: 'application/json',
    authorization: `Bearer ${tokens.accessToken}`,
  };
  let body: unknown;
  try {
    const res = await deps.fetch(rule.url, {
      method: 'GET',
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(8_000),
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    deps.log.warn('post-connect call failed; its values are not kept', {
      provider: provider.slug,
      reason: (err as Error).message?.slice(0, 100),
    });
    return {};
  }
  const item = pickItem(body, rule.match, tokens.accessToken);
  const out: Record<string, unknown> = {};
  for (const [key, path] of Object.entries(rule.metadata)) {
    const v = valueAt(item, path);
    if (typeof v === 'string' || typeof v === 'number') out[key] = v;
  }
  return out;
}

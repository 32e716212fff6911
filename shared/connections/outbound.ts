/**
 * Every server-side OAuth call (discovery, JWKS, token, refresh, revocation) goes through the
 * proxy's SSRF guard and pinned transport: https only, every resolved address public, the
 * connection pinned to the checked address, no redirects followed, bounded time and size. The
 * guard's test-only allow list (HOOKBRIDGE_TEST_ALLOW_HOSTS) works only in local mode.
 */
import { HookbridgeError } from '../errors.js';
import type { Fetch } from '../ports/index.js';
import { checkTarget, type Resolver } from '../proxy/ssrf.js';
import { type Transport, TransportError } from '../proxy/transport.js';

export interface GuardedFetchOptions {
  resolver: Resolver;
  transport: Transport;
  testAllow: ReadonlySet<string>;
  /** Used when the caller passes no AbortSignal. */
  defaultTimeoutMs?: number;
  maxResponseBytes?: number;
}

const NULL_BODY = new Set([204, 205, 304]);

function bodyBytes(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body));
  throw new HookbridgeError('internal', 'Unsupported request body type for an OAuth call');
}

/** A fetch that refuses non-public targets before any packet leaves (403 ssrf_blocked). */
export function guardedFetch(opts: GuardedFetchOptions): Fetch {
  const timeoutMs = opts.defaultTimeoutMs ?? 10_000;
  const maxBytes = opts.maxResponseBytes ?? 1024 * 1024;
  const impl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // Any host may be named; what it resolves to is what the guard judges.
    const pinned = await checkTarget(url, [host], { resolver: opts.resolver, testAllow: opts.testAllow });
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const body = bodyBytes(init.body);
    if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
    const signal = init.signal ?? AbortSignal.timeout(timeoutMs);
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    const sent = opts.transport({
      url,
      method: (init.method ?? 'GET').toUpperCase(),
      headers,
      body,
      pinned,
      connectTimeoutMs: Math.min(3_000, timeoutMs),
      deadline: Date.now() + timeoutMs,
      maxResponseBytes: maxBytes,
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason ?? new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const res = await Promise.race([sent, aborted]);
      const out = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        for (const one of Array.isArray(v) ? v : [v]) out.append(k, one);
      }
      return new Response(NULL_BODY.has(res.status) ? null : new Uint8Array(res.body), {
        status: res.status,
        headers: out,
      });
    } catch (err) {
      if (err instanceof TransportError) throw new TypeError(`fetch failed: ${err.kind}`, { cause: err });
      throw err;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  };
  return impl as Fetch;
}

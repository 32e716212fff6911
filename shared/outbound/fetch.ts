/**
 * A `fetch` over the SSRF guard and the pinned transport, for libraries that take a fetch (jose's
 * JWKS, oauth4webapi) and for every server-side OAuth call: https only, every resolved address
 * public, the connection pinned to the checked address, no redirects followed, bounded time and
 * size. The guard's test-only allow list (HOOKBRIDGE_TEST_ALLOW_HOSTS) works only in local mode.
 */
import { HookbridgeError } from '../errors.js';
import type { Fetch } from '../ports/index.js';
import { type OutboundNet, pinTarget, sendPinned } from './send.js';
import { TransportError } from './transport.js';

export interface GuardedFetchOptions extends OutboundNet {
  /** Host patterns a URL must match; omitted, any host may be named and its addresses are judged. */
  allowedHosts?: readonly string[] | undefined;
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
    const pinned = await pinTarget(url, opts.allowedHosts, opts);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const body = bodyBytes(init.body);
    if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
    const signal = init.signal ?? AbortSignal.timeout(timeoutMs);
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    const sent = sendPinned(
      {
        url,
        method: (init.method ?? 'GET').toUpperCase(),
        headers,
        body,
        connectTimeoutMs: Math.min(3_000, timeoutMs),
        timeoutMs,
        maxResponseBytes: maxBytes,
      },
      pinned,
      opts,
    );
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

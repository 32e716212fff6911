/**
 * The retry policy over the guarded transport, pure apart from the injected transport, resolver,
 * clock and sleep: SSRF check and pin, timeouts, polite retries, Retry-After up to a cap,
 * refresh-once on 401, and exactly one log line per call. The proxy, its client-credentials
 * tokens and PayPal send through it.
 */
import { HookbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ProxyPolicy } from '../proxy/config.js';
import { pinTarget, sendPinned } from './send.js';
import type { Resolver } from './ssrf.js';
import { type Transport, TransportError, type TransportResponse } from './transport.js';

/** Supplies the credential headers; `forceRefresh` is asked for once, after a 401. */
export interface CredentialHeaders {
  headers(opts: { forceRefresh: boolean }): Promise<Record<string, string>>;
}

export interface OutboundCall {
  method: string;
  url: URL;
  allowedHosts: readonly string[];
  headers: Record<string, string>;
  body?: Buffer | undefined;
  auth?: CredentialHeaders | undefined;
  /** Overrides the method/Idempotency-Key rule (token requests are safe to repeat). */
  retryable?: boolean;
  /** An earlier end for the whole call (deps clock), e.g. when the request already spent time getting a token. */
  deadline?: number | undefined;
  /** Log fields: provider, connectionId or integrationId, pathTemplate. Never a credential. */
  log: { provider: string; connectionId?: string; integrationId?: string; pathTemplate: string };
}

/** Time, retry and size limits, read from config at cold start (the proxy's settings). */
export type OutboundPolicy = ProxyPolicy;

export interface OutboundDeps {
  transport: Transport;
  resolver: Resolver;
  policy: OutboundPolicy;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  log: Logger;
}

export interface OutboundResult extends TransportResponse {
  attempts: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export const isRetryableRequest = (method: string, headers: Record<string, string>): boolean =>
  IDEMPOTENT.has(method.toUpperCase()) ||
  Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key');

const headerValue = (headers: TransportResponse['headers'], name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * How long the provider asks us to wait, in ms: `Retry-After` (seconds or HTTP date), else the
 * rate-limit reset headers (`RateLimit-Reset` delta seconds; `X-RateLimit-Reset` epoch or delta).
 */
export function requestedWaitMs(headers: TransportResponse['headers'], now: number): number | undefined {
  const retryAfter = headerValue(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset =
    headerValue(headers, 'ratelimit-reset') ??
    headerValue(headers, 'x-ratelimit-reset') ??
    headerValue(headers, 'x-rate-limit-reset');
  if (reset && /^\d+(\.\d+)?$/.test(reset.trim())) {
    const n = Number(reset);
    if (n > 1e12) return Math.max(0, n - now); // epoch ms
    if (n > 1e9) return Math.max(0, n * 1000 - now); // epoch seconds
    return n * 1000;
  }
  return undefined;
}

/** Exponential backoff with equal jitter: half the step fixed, half random. */
export const backoffMs = (attempt: number, baseMs: number, random: () => number): number => {
  const step = Math.min(baseMs * 2 ** (attempt - 1), 5_000);
  return Math.round(step / 2 + (random() * step) / 2);
};

/** One call in flight: what the steps read, and what the log line reports. */
interface InFlight {
  call: OutboundCall;
  deps: OutboundDeps;
  method: string;
  deadline: number;
  retryable: boolean;
  attempts: number;
  status?: number | undefined;
  outcome: string;
  refreshed: boolean;
  forceRefresh: boolean;
}

/** After a transport failure: the wait before trying again, or the error to throw. */
function waitAfterFailure(err: unknown, f: InFlight): number {
  if (!(err instanceof TransportError)) throw err;
  const { policy } = f.deps;
  f.outcome = err.kind;
  if (err.kind === 'timeout')
    throw new HookbridgeError('upstream_timeout', 'The provider did not answer in time', { cause: err });
  if (err.kind === 'too_large')
    throw new HookbridgeError('upstream_error', 'The provider response is too large', { cause: err });
  const wait = backoffMs(f.attempts, policy.backoffBaseMs, f.deps.random);
  if (f.retryable && f.attempts < policy.maxAttempts && f.deps.now() + wait < f.deadline) return wait;
  throw err.kind === 'connect_timeout'
    ? new HookbridgeError('upstream_timeout', 'Could not connect to the provider in time', { cause: err })
    : new HookbridgeError('upstream_error', 'Could not reach the provider', { cause: err });
}

/** After an answer: the result to hand back, or how long to wait before the next try. */
function nextAfterAnswer(
  res: TransportResponse,
  f: InFlight,
): { done: OutboundResult } | { waitMs?: number } {
  const { policy } = f.deps;
  f.status = res.status;
  f.outcome = 'ok';
  // An expired or revoked token: refresh once and try once more (nothing was processed).
  if (res.status === 401 && f.call.auth && !f.refreshed) {
    f.refreshed = true;
    f.forceRefresh = true;
    return {};
  }
  if (res.status !== 429 && res.status < 500) return { done: { ...res, attempts: f.attempts } };
  const asked = requestedWaitMs(res.headers, f.deps.now());
  const wait = asked ?? backoffMs(f.attempts, policy.backoffBaseMs, f.deps.random);
  const tooLong = asked !== undefined && asked > policy.maxRetryWaitMs;
  if (!f.retryable || f.attempts >= policy.maxAttempts || tooLong || f.deps.now() + wait >= f.deadline) {
    f.outcome = tooLong ? 'retry_after_over_cap' : f.retryable ? 'gave_up' : 'not_retryable';
    // Hand the wait to the caller at once rather than hold the function.
    if (res.status === 429 && !headerValue(res.headers, 'retry-after'))
      res.headers['retry-after'] = String(Math.max(1, Math.ceil(wait / 1000)));
    return { done: { ...res, attempts: f.attempts } };
  }
  return { waitMs: wait };
}

async function attemptUntilDone(f: InFlight): Promise<OutboundResult> {
  const { call, deps } = f;
  const net = { transport: deps.transport, resolver: deps.resolver, testAllow: deps.policy.testAllow };
  const pinned = await pinTarget(call.url, call.allowedHosts, net);
  for (;;) {
    f.attempts++;
    const auth = call.auth ? await call.auth.headers({ forceRefresh: f.forceRefresh }) : {};
    f.forceRefresh = false;
    let res: TransportResponse;
    try {
      res = await sendPinned(
        {
          url: call.url,
          method: f.method,
          headers: { ...call.headers, ...auth },
          body: call.body,
          connectTimeoutMs: deps.policy.connectTimeoutMs,
          timeoutMs: f.deadline - deps.now(),
          maxResponseBytes: deps.policy.maxResponseBytes,
        },
        pinned,
        net,
      );
    } catch (err) {
      await deps.sleep(waitAfterFailure(err, f));
      continue;
    }
    const next = nextAfterAnswer(res, f);
    if ('done' in next) return next.done;
    if (next.waitMs !== undefined) await deps.sleep(next.waitMs);
  }
}

export async function sendWithPolicy(call: OutboundCall, deps: OutboundDeps): Promise<OutboundResult> {
  const started = deps.now();
  const method = call.method.toUpperCase();
  const f: InFlight = {
    call,
    deps,
    method,
    deadline: Math.min(started + deps.policy.totalTimeoutMs, call.deadline ?? Number.POSITIVE_INFINITY),
    retryable: call.retryable ?? isRetryableRequest(method, call.headers),
    attempts: 0,
    outcome: 'ok',
    refreshed: false,
    forceRefresh: false,
  };
  try {
    return await attemptUntilDone(f);
  } catch (err) {
    if (err instanceof HookbridgeError) {
      f.status = err.status;
      f.outcome = err.code;
    }
    throw err;
  } finally {
    deps.log.info('outbound call', {
      provider: call.log.provider,
      connectionId: call.log.connectionId,
      integrationId: call.log.integrationId,
      method,
      pathTemplate: call.log.pathTemplate,
      status: f.status,
      durationMs: deps.now() - started,
      attempts: f.attempts,
      outcome: f.outcome,
    });
  }
}

/**
 * The outbound policy engine, pure apart from the injected transport, resolver, clock and sleep:
 * SSRF check and pin, timeouts, polite retries, Retry-After up to a cap, refresh-once on 401,
 * and exactly one log line per call.
 */
import { HookbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ProxyPolicy } from './config.js';
import { checkTarget, type Resolver } from './ssrf.js';
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

export interface OutboundDeps {
  transport: Transport;
  resolver: Resolver;
  policy: ProxyPolicy;
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

/** Ids, numbers and long opaque segments become `{id}`, so the log shows a template, not data. */
export const pathTemplateOf = (path: string): string =>
  path
    .split('/')
    .map((s) => (/^v\d+(\.\d+)?$/.test(s) || !(/\d/.test(s) || s.length > 24) ? s : '{id}'))
    .join('/');

export async function sendWithPolicy(call: OutboundCall, deps: OutboundDeps): Promise<OutboundResult> {
  const { policy } = deps;
  const started = deps.now();
  const deadline = Math.min(started + policy.totalTimeoutMs, call.deadline ?? Number.POSITIVE_INFINITY);
  const method = call.method.toUpperCase();
  const retryable = call.retryable ?? isRetryableRequest(method, call.headers);
  let attempts = 0;
  let status: number | undefined;
  let outcome = 'ok';
  let refreshed = false;
  let forceRefresh = false;
  try {
    const pinned = await checkTarget(call.url, call.allowedHosts, {
      resolver: deps.resolver,
      testAllow: policy.testAllow,
    });
    for (;;) {
      attempts++;
      const auth = call.auth ? await call.auth.headers({ forceRefresh }) : {};
      forceRefresh = false;
      let res: TransportResponse;
      try {
        res = await deps.transport({
          url: call.url,
          method,
          headers: { ...call.headers, ...auth },
          body: call.body,
          pinned,
          connectTimeoutMs: policy.connectTimeoutMs,
          deadline: Date.now() + (deadline - deps.now()),
          maxResponseBytes: policy.maxResponseBytes,
        });
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        outcome = err.kind;
        if (err.kind === 'timeout')
          throw new HookbridgeError('upstream_timeout', 'The provider did not answer in time', {
            cause: err,
          });
        if (err.kind === 'too_large')
          throw new HookbridgeError('upstream_error', 'The provider response is too large', { cause: err });
        const wait = backoffMs(attempts, policy.backoffBaseMs, deps.random);
        if (retryable && attempts < policy.maxAttempts && deps.now() + wait < deadline) {
          await deps.sleep(wait);
          continue;
        }
        throw err.kind === 'connect_timeout'
          ? new HookbridgeError('upstream_timeout', 'Could not connect to the provider in time', {
              cause: err,
            })
          : new HookbridgeError('upstream_error', 'Could not reach the provider', { cause: err });
      }
      status = res.status;
      outcome = 'ok';
      // An expired or revoked token: refresh once and try once more (nothing was processed).
      if (res.status === 401 && call.auth && !refreshed) {
        refreshed = true;
        forceRefresh = true;
        continue;
      }
      if (res.status !== 429 && res.status < 500) return { ...res, attempts };
      const asked = requestedWaitMs(res.headers, deps.now());
      const wait = asked ?? backoffMs(attempts, policy.backoffBaseMs, deps.random);
      const tooLong = asked !== undefined && asked > policy.maxRetryWaitMs;
      if (!retryable || attempts >= policy.maxAttempts || tooLong || deps.now() + wait >= deadline) {
        outcome = tooLong ? 'retry_after_over_cap' : retryable ? 'gave_up' : 'not_retryable';
        // Hand the wait to the caller at once rather than hold the function.
        if (res.status === 429 && !headerValue(res.headers, 'retry-after'))
          res.headers['retry-after'] = String(Math.max(1, Math.ceil(wait / 1000)));
        return { ...res, attempts };
      }
      await deps.sleep(wait);
    }
  } catch (err) {
    if (err instanceof HookbridgeError) {
      status = err.status;
      outcome = err.code;
    }
    throw err;
  } finally {
    deps.log.info('outbound call', {
      provider: call.log.provider,
      connectionId: call.log.connectionId,
      integrationId: call.log.integrationId,
      method,
      pathTemplate: call.log.pathTemplate,
      status,
      durationMs: deps.now() - started,
      attempts,
      outcome,
    });
  }
}

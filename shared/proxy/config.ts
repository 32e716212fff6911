// zod/mini: PayPal verification imports this on the webhook hot path.
import * as z from 'zod/mini';
import { HookbridgeError } from '../errors.js';

/**
 * Outbound-call settings, read once at cold start. Defaults keep every call well inside API
 * Gateway's 30 s integration timeout (the proxy function's Lambda timeout is 29 s).
 */
const ms = (min: number, max: number, def: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(min), z.lte(max)), def);

export const ProxyConfigSchema = z.object({
  HOOKBRIDGE_PROXY_CONNECT_TIMEOUT_MS: ms(50, 10_000, 3_000),
  HOOKBRIDGE_PROXY_TIMEOUT_MS: ms(100, 28_000, 25_000),
  HOOKBRIDGE_PROXY_MAX_ATTEMPTS: ms(1, 5, 3),
  HOOKBRIDGE_PROXY_MAX_RETRY_WAIT_MS: ms(0, 20_000, 5_000),
  HOOKBRIDGE_PROXY_BACKOFF_BASE_MS: ms(1, 5_000, 100),
  // Bodies go back base64-encoded (4/3 larger) inside Lambda's 6 MB response: 4 MB leaves room.
  HOOKBRIDGE_PROXY_MAX_RESPONSE_BYTES: ms(1024, 4 * 1024 * 1024 + 256 * 1024, 4 * 1024 * 1024),
  /** Test-only: comma-separated `host:port` pairs the SSRF address check lets through (local mode only). */
  HOOKBRIDGE_TEST_ALLOW_HOSTS: z.optional(z.string()),
  HOOKBRIDGE_LOCAL: z.optional(z.enum(['true', 'false', '1', '0'])),
});

export interface ProxyPolicy {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxAttempts: number;
  maxRetryWaitMs: number;
  backoffBaseMs: number;
  maxResponseBytes: number;
  /** host:port pairs exempt from the SSRF address check; empty outside local mode. */
  testAllow: ReadonlySet<string>;
}

export function loadProxyPolicy(env: Record<string, string | undefined> = process.env): ProxyPolicy {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ProxyConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new HookbridgeError('misconfigured', `Invalid configuration: ${names.join('; ')}`);
  }
  const c = parsed.data;
  const local = c.HOOKBRIDGE_LOCAL === 'true' || c.HOOKBRIDGE_LOCAL === '1';
  const testAllow = new Set(
    local
      ? (c.HOOKBRIDGE_TEST_ALLOW_HOSTS ?? '')
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean)
      : [],
  );
  return {
    connectTimeoutMs: Math.min(c.HOOKBRIDGE_PROXY_CONNECT_TIMEOUT_MS, c.HOOKBRIDGE_PROXY_TIMEOUT_MS),
    totalTimeoutMs: c.HOOKBRIDGE_PROXY_TIMEOUT_MS,
    maxAttempts: c.HOOKBRIDGE_PROXY_MAX_ATTEMPTS,
    maxRetryWaitMs: c.HOOKBRIDGE_PROXY_MAX_RETRY_WAIT_MS,
    backoffBaseMs: c.HOOKBRIDGE_PROXY_BACKOFF_BASE_MS,
    maxResponseBytes: c.HOOKBRIDGE_PROXY_MAX_RESPONSE_BYTES,
    testAllow,
  };
}

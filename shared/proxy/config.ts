import * as z from 'zod';
import { HookbridgeError } from '../errors.js';

/**
 * Outbound-call settings, read once at cold start. Defaults keep every call well inside API
 * Gateway's 30 s integration timeout (the proxy function's Lambda timeout is 29 s).
 */
export const ProxyConfigSchema = z.object({
  HOOKBRIDGE_PROXY_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(3_000),
  HOOKBRIDGE_PROXY_TIMEOUT_MS: z.coerce.number().int().min(100).max(28_000).default(25_000),
  HOOKBRIDGE_PROXY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(3),
  HOOKBRIDGE_PROXY_MAX_RETRY_WAIT_MS: z.coerce.number().int().min(0).max(20_000).default(5_000),
  HOOKBRIDGE_PROXY_BACKOFF_BASE_MS: z.coerce.number().int().min(1).max(5_000).default(100),
  HOOKBRIDGE_PROXY_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(6 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  /** Test-only: comma-separated `host:port` pairs the SSRF address check lets through (local mode only). */
  HOOKBRIDGE_TEST_ALLOW_HOSTS: z.string().optional(),
  HOOKBRIDGE_LOCAL: z.enum(['true', 'false', '1', '0']).optional(),
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

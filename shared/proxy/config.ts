import * as z from 'zod/mini';
import { type Config, ConfigSchema, parseSettings } from '../config/index.js';
import { isLoopbackHost } from '../outbound/ssrf.js';
import { hostPortOf } from '../outbound/url.js';

/** The outbound-call settings of Config; defaults keep every call inside API Gateway's 30 s. */
export type ProxySettings = Pick<
  Config,
  | 'HOOKBRIDGE_PROXY_CONNECT_TIMEOUT_MS'
  | 'HOOKBRIDGE_PROXY_TIMEOUT_MS'
  | 'HOOKBRIDGE_PROXY_MAX_ATTEMPTS'
  | 'HOOKBRIDGE_PROXY_MAX_RETRY_WAIT_MS'
  | 'HOOKBRIDGE_PROXY_BACKOFF_BASE_MS'
  | 'HOOKBRIDGE_PROXY_MAX_RESPONSE_BYTES'
  | 'HOOKBRIDGE_TEST_ALLOW_HOSTS'
  | 'HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK'
  | 'HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER'
  | 'HOOKBRIDGE_LOCAL'
>;

export interface ProxyPolicy {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxAttempts: number;
  maxRetryWaitMs: number;
  backoffBaseMs: number;
  maxResponseBytes: number;
  /** host:port pairs exempt from the SSRF address check (with every loopback one under HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK); empty outside local mode. */
  testAllow: ReadonlySet<string>;
}

/** An allow list that also admits every loopback `host:port` (HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK, local mode only). */
class WithLoopback extends Set<string> {
  override has(hostPort: string): boolean {
    const host = hostPort.slice(0, hostPort.lastIndexOf(':')).toLowerCase();
    return super.has(hostPort) || isLoopbackHost(host);
  }
}

export function proxyPolicy(c: ProxySettings): ProxyPolicy {
  // The local runtime's dev OpenID provider is on loopback, and always reachable in local mode.
  const devIssuer = c.HOOKBRIDGE_LOCAL ? c.HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER : undefined;
  const listed = c.HOOKBRIDGE_LOCAL
    ? [...(c.HOOKBRIDGE_TEST_ALLOW_HOSTS ?? '').split(','), devIssuer ? hostPortOf(new URL(devIssuer)) : '']
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean)
    : [];
  const testAllow =
    c.HOOKBRIDGE_LOCAL && c.HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK ? new WithLoopback(listed) : new Set(listed);
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

const ProxySettingsSchema = z.pick(ConfigSchema, {
  HOOKBRIDGE_PROXY_CONNECT_TIMEOUT_MS: true,
  HOOKBRIDGE_PROXY_TIMEOUT_MS: true,
  HOOKBRIDGE_PROXY_MAX_ATTEMPTS: true,
  HOOKBRIDGE_PROXY_MAX_RETRY_WAIT_MS: true,
  HOOKBRIDGE_PROXY_BACKOFF_BASE_MS: true,
  HOOKBRIDGE_PROXY_MAX_RESPONSE_BYTES: true,
  HOOKBRIDGE_TEST_ALLOW_HOSTS: true,
  HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: true,
  HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER: true,
  HOOKBRIDGE_LOCAL: true,
});

/** A policy from a few variables, validated exactly as Config validates them (tests, tools). */
export const loadProxyPolicy = (env: Record<string, string | undefined>): ProxyPolicy =>
  proxyPolicy(parseSettings(ProxySettingsSchema, env));

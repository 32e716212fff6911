/**
 * What PayPal verification needs from outside, as one value: how to reach PayPal, which roots to
 * trust, and the certificate cache. Built by the caller (the handler today, the container later),
 * so tests build their own and nothing here reads the environment.
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { Config } from '../../../config/index.js';
import type { Logger } from '../../../log.js';
import { type OutboundCall, type OutboundResult, sendWithPolicy } from '../../../outbound/policy.js';
import { type Resolver, systemResolver } from '../../../outbound/ssrf.js';
import { nodeTransport, type Transport } from '../../../outbound/transport.js';
import { ClientCredentialsTokens } from '../../../proxy/client-credentials.js';
import type { ProxyPolicy } from '../../../proxy/config.js';
import { PEM_CERTIFICATES } from './verify.js';

const CERT_CACHE_MS = 24 * 3600_000;
const CERT_CACHE_MAX = 16;

/** Fetched certificate chains by URL, kept a day; bounded, oldest out first. */
export class CertificateCache {
  readonly #chains = new Map<string, { chain: X509Certificate[]; at: number }>();

  get(url: string, now: number): X509Certificate[] | undefined {
    const hit = this.#chains.get(url);
    return hit && now - hit.at < CERT_CACHE_MS ? hit.chain : undefined;
  }

  set(url: string, chain: X509Certificate[], now: number): void {
    if (this.#chains.size >= CERT_CACHE_MAX) this.#chains.delete(this.#chains.keys().next().value!);
    this.#chains.set(url, { chain, at: now });
  }
}

export type PayPalSend = (call: OutboundCall) => Promise<OutboundResult>;

export interface PayPalContext {
  send: PayPalSend;
  tokens: ClientCredentialsTokens;
  /** host:port pairs the tests' stand-ins listen on (local mode only). */
  testAllow: ReadonlySet<string>;
  /** Roots a certificate chain may end at; parsed on first use, not at cold start. */
  trustedRoots(): readonly X509Certificate[];
  certificates: CertificateCache;
}

export interface PayPalContextOptions {
  send: PayPalSend;
  /** The token cache's clock. */
  now?: () => number;
  testAllow?: ReadonlySet<string>;
  /** More roots to trust (one or more PEM certificates): the stand-in CAs. Undefined in production. */
  trustRootPem?: string | undefined;
  /** Whether the system's roots are trusted too; true unless a test says otherwise. */
  systemRoots?: boolean;
}

/**
 * The stand-in roots to trust besides the system's: the tests' and the local runtime's, in local
 * mode only. Outside local mode none, whatever the settings say.
 */
export function standInRootsPem(
  c: Pick<Config, 'HOOKBRIDGE_LOCAL' | 'HOOKBRIDGE_TEST_TRUST_ROOT_PEM' | 'HOOKBRIDGE_LOCAL_PAYPAL_ROOT_PEM'>,
): string | undefined {
  if (!c.HOOKBRIDGE_LOCAL) return undefined;
  const pems = [c.HOOKBRIDGE_TEST_TRUST_ROOT_PEM, c.HOOKBRIDGE_LOCAL_PAYPAL_ROOT_PEM].filter(Boolean);
  return pems.length ? pems.join('\n') : undefined;
}

export function createPayPalContext(opts: PayPalContextOptions): PayPalContext {
  let roots: X509Certificate[] | undefined;
  return {
    send: opts.send,
    tokens: new ClientCredentialsTokens(opts.send, opts.now ?? Date.now),
    testAllow: opts.testAllow ?? new Set(),
    trustedRoots: () => {
      roots ??= [
        ...(opts.systemRoots === false ? [] : rootCertificates),
        ...(opts.trustRootPem?.match(PEM_CERTIFICATES) ?? []),
      ].map((pem) => new X509Certificate(pem));
      return roots;
    },
    certificates: new CertificateCache(),
  };
}

/** The production context: calls go through the outbound policy (SSRF guard, retries) to PayPal's hosts. */
export function defaultPayPalContext(opts: {
  log: Logger;
  policy: ProxyPolicy;
  trustRootPem?: string | undefined;
  resolver?: Resolver | undefined;
  transport?: Transport | undefined;
}): PayPalContext {
  const { policy } = opts;
  const outbound = {
    transport: opts.transport ?? nodeTransport,
    resolver: opts.resolver ?? systemResolver,
    policy,
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    random: Math.random,
    log: opts.log,
  };
  return createPayPalContext({
    send: (call) => sendWithPolicy(call, outbound),
    testAllow: policy.testAllow,
    trustRootPem: opts.trustRootPem,
  });
}

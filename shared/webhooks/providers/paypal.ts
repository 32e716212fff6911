/**
 * PayPal webhooks. PayPal signs `transmissionId|transmissionTime|webhookId|crc32(rawBody)` with
 * SHA256withRSA and says where its certificate is (`PayPal-Cert-Url`). Two ways to check:
 * - offline (the default): fetch the certificate chain from an allow-listed PayPal host (cached),
 *   check the chain up to a trusted root, the leaf's name and validity, then the signature;
 * - api: ask PayPal (`POST /v1/notifications/verify-webhook-signature`) with a client-credentials
 *   token from the source's secret.
 * The secret `hookbridge/webhooks/paypal[/{sourceId}]` holds `{"secrets": ["<webhook id>", …],
 * "clientId"?, "clientSecret"?, "mode"?: "offline" | "api", "apiBaseUrl"?}`; each listed webhook
 * id is accepted (rotation), and `webhookId` is accepted as an alias for a single id.
 */
import { verify as verifySignature, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { crc32 } from 'node:zlib';
import { HookbridgeError } from '../../errors.js';
import { log } from '../../log.js';
import { ClientCredentialsTokens } from '../../proxy/client-credentials.js';
import { loadProxyPolicy, type ProxyPolicy } from '../../proxy/config.js';
import { type OutboundCall, type OutboundResult, sendWithPolicy } from '../../proxy/outbound.js';
import { systemResolver } from '../../proxy/ssrf.js';
import { nodeTransport } from '../../proxy/transport.js';
import { fromBase64, headerGetter, isoFromText, parseJsonObject, str } from '../crypto.js';
import { fail, type ProviderScheme, type VerifyInput, type VerifyResult } from '../types.js';

/** The only hosts PayPal serves its certificates and API from. */
export const PAYPAL_HOSTS = [
  'api.paypal.com',
  'api-m.paypal.com',
  'api.sandbox.paypal.com',
  'api-m.sandbox.paypal.com',
];
/** The path PayPal serves its signing certificates under. */
export const PAYPAL_CERT_PATH = '/v1/notifications/certs/';
/** Names PayPal's signing certificate carries. */
const PAYPAL_CERT_NAMES = /^messageverificationcerts(\.sandbox)?\.paypal\.com$/;
const CERT_CACHE_MS = 24 * 3600_000;
const CERT_CACHE_MAX = 16;

export interface PayPalDeps {
  send(call: OutboundCall): Promise<OutboundResult>;
  tokens: ClientCredentialsTokens;
  /** host:port pairs the tests' stand-ins listen on (local mode only). */
  testAllow: ReadonlySet<string>;
  /** PEM roots the chain may end at: the system's, plus a test root in local mode. */
  trustedRoots: readonly X509Certificate[];
}

const hostPort = (u: URL) => `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;

/** The cert URL must be https on a PayPal host; only a test stand-in (local mode) may differ. */
export function certUrlAllowed(raw: string, testAllow: ReadonlySet<string>): URL | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if (u.username || u.password) return undefined;
  if (u.protocol === 'https:' && PAYPAL_HOSTS.includes(u.hostname.toLowerCase()) && !u.port)
    // Only PayPal's certificate path: elsewhere on its API hosts a sender could point at content
    // it influences.
    return u.pathname.startsWith(PAYPAL_CERT_PATH) ? u : undefined;
  return testAllow.has(hostPort(u)) ? u : undefined;
}

const certCache = new Map<string, { chain: X509Certificate[]; at: number }>();

/** The chain at `url`, or undefined when PayPal answers 4xx (no such certificate). */
async function certificateChain(
  url: URL,
  deps: PayPalDeps,
  now: number,
): Promise<X509Certificate[] | undefined> {
  const hit = certCache.get(url.href);
  if (hit && now - hit.at < CERT_CACHE_MS) return hit.chain;
  const res = await deps.send({
    method: 'GET',
    url,
    allowedHosts: [...PAYPAL_HOSTS, ...deps.testAllow],
    headers: { accept: 'application/x-pem-file, text/plain' },
    log: { provider: 'paypal', pathTemplate: 'cert' },
  });
  // 4xx: no such certificate, so the header names none of PayPal's: a bad signature, not an
  // outage. 5xx, 408/429 and network errors (thrown by send) stay 502, so PayPal retries.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return undefined;
  if (res.status !== 200)
    throw new HookbridgeError('upstream_error', `PayPal certificate fetch answered ${res.status}`);
  const pems =
    res.body.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  let chain: X509Certificate[];
  try {
    chain = pems.map((p) => new X509Certificate(p));
  } catch {
    chain = [];
  }
  if (!chain.length)
    throw new HookbridgeError('upstream_error', 'PayPal certificate URL returned no certificate');
  if (certCache.size >= CERT_CACHE_MAX) certCache.delete(certCache.keys().next().value!);
  certCache.set(url.href, { chain, at: now });
  return chain;
}

/** Why a chain is not acceptable at `now`, or undefined. */
export function chainProblem(
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  now: number,
): string | undefined {
  const leaf = chain[0];
  if (!leaf) return 'no certificate';
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1]?.trim() ?? '';
  if (!PAYPAL_CERT_NAMES.test(cn)) return `certificate is for ${cn || 'an unnamed subject'}, not PayPal`;
  for (const c of chain) {
    if (Date.parse(c.validFrom) > now || Date.parse(c.validTo) < now) return 'certificate is not valid now';
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey))
      return 'certificate chain is broken';
  }
  const top = chain.at(-1)!;
  const anchored = roots.some(
    (r) => r.fingerprint256 === top.fingerprint256 || (top.checkIssued(r) && top.verify(r.publicKey)),
  );
  return anchored ? undefined : 'certificate chain does not end at a trusted root';
}

function webhookIds(input: VerifyInput): string[] {
  const alias = str(input.config.webhookId);
  return [...input.secrets, ...(alias && !input.secrets.includes(alias) ? [alias] : [])];
}

function transmission(input: VerifyInput) {
  const h = headerGetter(input.headers);
  return {
    id: h('paypal-transmission-id'),
    time: h('paypal-transmission-time'),
    sig: h('paypal-transmission-sig'),
    certUrl: h('paypal-cert-url'),
    algo: h('paypal-auth-algo'),
  };
}

function accepted(input: VerifyInput, matched: number): VerifyResult {
  const body = parseJsonObject(input.rawBody);
  const id = str(body?.id);
  if (!body || !id) return fail('invalid_payload', 'the event has no id');
  return {
    ok: true,
    eventId: id,
    type: str(body.event_type) ?? 'unknown',
    occurredAt: isoFromText(body.create_time),
    matchedSecret: matched,
  };
}

export async function verifyPayPalWebhook(input: VerifyInput, deps: PayPalDeps): Promise<VerifyResult> {
  const t = transmission(input);
  if (!t.id || !t.time || !t.sig || !t.certUrl) return fail('missing_signature');
  if (t.algo && t.algo !== 'SHA256withRSA')
    return fail('malformed_header', `unsupported auth algo ${t.algo.slice(0, 40)}`);
  const sent = Date.parse(t.time);
  if (Number.isNaN(sent)) return fail('malformed_header', 'bad PayPal-Transmission-Time');
  if (input.now - sent > input.toleranceSec * 1000) return fail('stale_timestamp');
  if (sent - input.now > input.toleranceSec * 1000) return fail('future_timestamp');
  const certUrl = certUrlAllowed(t.certUrl, deps.testAllow);
  if (!certUrl) return fail('bad_signature', 'the certificate URL is not on an allow-listed PayPal host');
  const ids = webhookIds(input);
  const mode = str(input.config.mode) ?? 'offline';

  if (mode === 'api')
    return verifyByApi(
      input,
      deps,
      { id: t.id, time: t.time, sig: t.sig, certUrl: t.certUrl, algo: t.algo },
      ids,
    );

  const sig = fromBase64(t.sig);
  if (!sig?.length) return fail('malformed_header', 'PayPal-Transmission-Sig is not base64');
  const chain = await certificateChain(certUrl, deps, input.now);
  if (!chain) return fail('bad_signature', 'the certificate URL names no PayPal certificate');
  const problem = chainProblem(chain, deps.trustedRoots, input.now);
  if (problem) return fail('bad_signature', problem);
  const crc = crc32(input.rawBody) >>> 0;
  for (let i = 0; i < ids.length; i++) {
    const message = `${t.id}|${t.time}|${ids[i]}|${crc}`;
    if (verifySignature('sha256', Buffer.from(message), chain[0]!.publicKey, sig)) return accepted(input, i);
  }
  return fail('bad_signature');
}

async function verifyByApi(
  input: VerifyInput,
  deps: PayPalDeps,
  t: { id: string; time: string; sig: string; certUrl: string; algo?: string | undefined },
  ids: string[],
): Promise<VerifyResult> {
  const clientId = str(input.config.clientId);
  const clientSecret = str(input.config.clientSecret);
  if (!clientId || !clientSecret)
    throw new HookbridgeError(
      'misconfigured',
      'PayPal api mode needs "clientId" and "clientSecret" in the source secret',
    );
  const base = new URL(str(input.config.apiBaseUrl) ?? 'https://api-m.paypal.com');
  const allowedHosts = [...PAYPAL_HOSTS, ...deps.testAllow];
  const event = parseJsonObject(input.rawBody);
  if (!event) return fail('invalid_payload', 'the body is not a JSON object');
  const token = await deps.tokens.token(
    `paypal:${base.host}:${clientId}`,
    { tokenUrl: new URL('/v1/oauth2/token', base).href, scopes: [], clientAuth: 'client_secret_basic' },
    { clientId, clientSecret },
    { forceRefresh: false },
  );
  for (let i = 0; i < ids.length; i++) {
    const res = await deps.send({
      method: 'POST',
      url: new URL('/v1/notifications/verify-webhook-signature', base),
      allowedHosts,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.accessToken}` },
      body: Buffer.from(
        JSON.stringify({
          auth_algo: t.algo ?? 'SHA256withRSA',
          cert_url: t.certUrl,
          transmission_id: t.id,
          transmission_sig: t.sig,
          transmission_time: t.time,
          webhook_id: ids[i],
          webhook_event: event,
        }),
      ),
      retryable: true,
      log: { provider: 'paypal', pathTemplate: '/v1/notifications/verify-webhook-signature' },
    });
    if (res.status !== 200)
      throw new HookbridgeError('upstream_error', `PayPal signature verification answered ${res.status}`);
    const status = str(parseJsonObject(res.body)?.verification_status);
    if (status === 'SUCCESS') return accepted(input, i);
  }
  return fail('bad_signature');
}

let defaults: PayPalDeps | undefined;

/** Built on first use: outbound policy from config (cold start), system trust roots. */
export function paypalDeps(): PayPalDeps {
  if (defaults) return defaults;
  const policy: ProxyPolicy = loadProxyPolicy(process.env);
  const outbound = {
    transport: nodeTransport,
    resolver: systemResolver,
    policy,
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    random: Math.random,
    log,
  };
  const send = (call: OutboundCall) => sendWithPolicy(call, outbound);
  const roots = rootCertificates.map((pem) => new X509Certificate(pem));
  // Test-only trust root for the tests' own PayPal stand-in certificate chain; local mode only.
  const testRoot =
    process.env.HOOKBRIDGE_LOCAL === 'true' ? process.env.HOOKBRIDGE_TEST_TRUST_ROOT_PEM : undefined;
  if (testRoot) roots.push(new X509Certificate(testRoot));
  defaults = {
    send,
    tokens: new ClientCredentialsTokens(send, Date.now),
    testAllow: policy.testAllow,
    trustedRoots: roots,
  };
  return defaults;
}

/** Tests: drop the cached deps and certificates (after changing the environment). */
export function resetPayPal(): void {
  defaults = undefined;
  certCache.clear();
}

export const paypal: ProviderScheme = {
  slug: 'paypal',
  name: 'PayPal',
  verify: (input) => verifyPayPalWebhook(input, paypalDeps()),
  defaultToleranceSec: 300,
};

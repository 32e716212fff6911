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
import { crc32 } from 'node:zlib';
import { HookbridgeError } from '../../../errors.js';
import {
  acceptJsonEvent,
  fromBase64,
  headerGetter,
  isoFromText,
  parseJsonObject,
  str,
} from '../../crypto.js';
import { defineScheme, fail, type VerifyInput, type VerifyResult } from '../../types.js';
import type { PayPalContext } from './context.js';

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

/** Each PEM certificate in a text (a chain, a bundle of roots). */
export const PEM_CERTIFICATES = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const hostPort = (u: URL) => `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;

/**
 * PayPal's hosts, plus (local mode only, where the allow list is not empty) the listed stand-ins
 * and `url`'s own host:port when the allow list admits it (loopback under HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK).
 */
const allowedHostsFor = (url: URL, testAllow: ReadonlySet<string>): string[] => [
  ...PAYPAL_HOSTS,
  ...testAllow,
  ...(testAllow.has(hostPort(url)) ? [hostPort(url)] : []),
];

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

/** The chain at `url`, or undefined when PayPal answers 4xx (no such certificate). */
async function certificateChain(
  url: URL,
  deps: PayPalContext,
  now: number,
): Promise<X509Certificate[] | undefined> {
  const hit = deps.certificates.get(url.href, now);
  if (hit) return hit;
  const res = await deps.send({
    method: 'GET',
    url,
    allowedHosts: allowedHostsFor(url, deps.testAllow),
    headers: { accept: 'application/x-pem-file, text/plain' },
    log: { provider: 'paypal', pathTemplate: 'cert' },
  });
  // 4xx: no such certificate, so the header names none of PayPal's: a bad signature, not an
  // outage. 5xx, 408/429 and network errors (thrown by send) stay 502, so PayPal retries.
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return undefined;
  if (res.status !== 200)
    throw new HookbridgeError('upstream_error', `PayPal certificate fetch answered ${res.status}`);
  const pems = res.body.toString('utf8').match(PEM_CERTIFICATES) ?? [];
  let chain: X509Certificate[];
  try {
    chain = pems.map((p) => new X509Certificate(p));
  } catch {
    chain = [];
  }
  if (!chain.length)
    throw new HookbridgeError('upstream_error', 'PayPal certificate URL returned no certificate');
  deps.certificates.set(url.href, chain, now);
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

/** What PayPal signs (SHA256withRSA): `transmissionId|transmissionTime|webhookId|crc32(body)`. */
export const paypalSignedMessage = (id: string, time: string, webhookId: string, body: Buffer): Buffer =>
  Buffer.from(`${id}|${time}|${webhookId}|${crc32(body) >>> 0}`);

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

const accepted = (input: VerifyInput, matched: number): VerifyResult =>
  acceptJsonEvent(input.rawBody, matched, {
    id: 'id',
    type: 'event_type',
    time: 'create_time',
    iso: isoFromText,
  });

const NO_TEST_HOSTS: ReadonlySet<string> = new Set();

/** The context is needed only once the headers pass: a caller without one fails closed (5xx). */
function need(ctx: PayPalContext | undefined): PayPalContext {
  if (!ctx) throw new HookbridgeError('misconfigured', 'PayPal verification was given no PayPal context');
  return ctx;
}

export async function verifyPayPalWebhook(
  input: VerifyInput,
  ctx: PayPalContext | undefined,
): Promise<VerifyResult> {
  const t = transmission(input);
  if (!t.id || !t.time || !t.sig || !t.certUrl) return fail('missing_signature');
  if (t.algo && t.algo !== 'SHA256withRSA')
    return fail('malformed_header', `unsupported auth algo ${t.algo.slice(0, 40)}`);
  const sent = Date.parse(t.time);
  if (Number.isNaN(sent)) return fail('malformed_header', 'bad PayPal-Transmission-Time');
  if (input.now - sent > input.toleranceSec * 1000) return fail('stale_timestamp');
  if (sent - input.now > input.toleranceSec * 1000) return fail('future_timestamp');
  const certUrl = certUrlAllowed(t.certUrl, ctx?.testAllow ?? NO_TEST_HOSTS);
  if (!certUrl) return fail('bad_signature', 'the certificate URL is not on an allow-listed PayPal host');
  const ids = webhookIds(input);
  const mode = str(input.config.mode) ?? 'offline';

  if (mode === 'api')
    return verifyByApi(
      input,
      need(ctx),
      { id: t.id, time: t.time, sig: t.sig, certUrl: t.certUrl, algo: t.algo },
      ids,
    );

  const sig = fromBase64(t.sig);
  if (!sig?.length) return fail('malformed_header', 'PayPal-Transmission-Sig is not base64');
  const deps = need(ctx);
  const chain = await certificateChain(certUrl, deps, input.now);
  if (!chain) return fail('bad_signature', 'the certificate URL names no PayPal certificate');
  const problem = chainProblem(chain, deps.trustedRoots(), input.now);
  if (problem) return fail('bad_signature', problem);
  for (let i = 0; i < ids.length; i++) {
    const message = paypalSignedMessage(t.id, t.time, ids[i]!, input.rawBody);
    if (verifySignature('sha256', message, chain[0]!.publicKey, sig)) return accepted(input, i);
  }
  return fail('bad_signature');
}

async function verifyByApi(
  input: VerifyInput,
  deps: PayPalContext,
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
  const allowedHosts = allowedHostsFor(base, deps.testAllow);
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

export const scheme = defineScheme('paypal', 'PayPal', async (input, ctx) =>
  verifyPayPalWebhook(input, await ctx?.paypal),
);

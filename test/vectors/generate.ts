/**
 * Writes test/vectors/<provider>.json with fixed secrets and timestamps. Signatures come from the
 * providers' official SDKs wherever one can sign (Stripe, Standard Webhooks, GitHub, Twilio, Adyen,
 * Braintree); elsewhere they are computed from the documented scheme with node:crypto (PayPal's
 * with a stand-in certificate chain, carried in the file). Every provider of the manifest needs a
 * spec here. Run: npx tsx test/vectors/generate.ts [provider ...]
 */
import { createHash, createHmac, generateKeyPairSync, sign as edSign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import adyenLib from '@adyen/api-library';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import braintree from 'braintree';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import twilio from 'twilio';
import { WEBHOOK_PROVIDERS } from '../../shared/webhooks/manifest.js';
import { makeStandInChain, paypalHeaders } from '../support/paypal-standin.js';

const here = dirname(fileURLToPath(import.meta.url));
/** 2026-01-01T00:00:00Z */
export const NOW_SEC = 1_767_225_600;
const TOL = 300;

interface Signed {
  headers: Record<string, string>;
  body: string;
  url?: string;
}

export interface VectorCase {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  secrets: string[];
  config: Record<string, unknown>;
  now: number;
  toleranceSec: number;
  expect: { ok: true; eventId: string; type: string; matchedSecret: number } | { ok: false; reason: string };
  /** PayPal: the certificate chains its URLs serve, and the (stand-in) root to trust. */
  context?: { certificates: Record<string, string>; trustRootPem: string };
}

interface Spec {
  provider: string;
  /** [current, previous] */
  secrets: [string, string];
  wrongSecret: string;
  config?: Record<string, unknown>;
  url?: string;
  body: string;
  sign(body: string, secret: string, ts: number): Promise<Signed> | Signed;
  /** The header that carries the signature (absent for body-signed schemes). */
  sigHeader?: string;
  malformedValue?: string;
  timestamped: boolean;
  /** Several signatures, one valid (rotation on the sender's side). */
  multi?: (body: string, ts: number) => Promise<Signed> | Signed;
  tamper?: (s: Signed) => Signed;
  missing?: (s: Signed) => Signed;
  malformed?: (s: Signed) => Signed;
  expect: { eventId: string | ((s: Signed) => string); type: string };
  /** When the vectors are checked, if not NOW_SEC (PayPal's stand-in chain is valid from when it is made). */
  nowSec?: number;
  context?: VectorCase['context'];
}

const stripeSdk = new Stripe('sk_test_vectors');
const hex = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest('hex');
const b64 = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest('base64');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const SW_SECRETS: [string, string] = [
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
];
const sw = (secret: string, id: string, ts: number, body: string) =>
  new Webhook(secret).sign(id, new Date(ts * 1000), body);
/** Standard Webhooks' three headers for message `id` at `ts`, carrying `signature` (one or several, space-separated). */
const swHeaders = (id: string, ts: number, signature: string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(ts),
  'webhook-signature': signature,
});

const adyenItem = (hmacKey: string) => {
  const item = {
    amount: { value: 1130, currency: 'EUR' },
    pspReference: '7914073381342284',
    eventCode: 'AUTHORISATION',
    eventDate: '2025-12-31T23:59:30+01:00',
    merchantAccountCode: 'HookbridgeECOM',
    merchantReference: 'order-7711',
    originalReference: '',
    paymentMethod: 'visa',
    reason: '',
    success: 'true',
    additionalData: {} as Record<string, string>,
  };
  const validator = new adyenLib.hmacValidator();
  item.additionalData.hmacSignature = validator.calculateHmac(item as never, hmacKey);
  return item;
};
const adyenBody = (items: unknown[]) =>
  JSON.stringify({ live: 'false', notificationItems: items.map((i) => ({ NotificationRequestItem: i })) });

const BT = { merchantId: 'hookbridgemerchant', publicKey: 'bt_pub_7g4k2m9q', privateKeys: ['c1f9e2a8b7d64f05a3e1c0d9b8a7f6e5', '9a8b7c6d5e4f30211f0e9d8c7b6a5948'] as [string, string] };
const btGateway = (privateKey: string, publicKey = BT.publicKey) =>
  new braintree.BraintreeGateway({
    environment: braintree.Environment.Sandbox,
    merchantId: BT.merchantId,
    publicKey,
    privateKey,
  });
// The SDK stamps the XML with the current time; sign one fixed payload so the vectors are stable.
const BT_XML =
  '<notification>\n    <timestamp type="datetime">2025-12-31T23:58:00Z</timestamp>\n    <kind>subscription_charged_successfully</kind>\n    \n    <subject><subscription><id>sub_8f2k</id></subscription></subject>\n</notification>';
const BT_PAYLOAD = `${Buffer.from(BT_XML).toString('base64')}\n`;
const btForm = (sig: string, payload = BT_PAYLOAD) => new URLSearchParams({ bt_signature: sig, bt_payload: payload }).toString();
const btSig = (privateKey: string, publicKey = BT.publicKey) =>
  (btGateway(privateKey, publicKey).webhookTesting as unknown as { sampleSignature(p: string): string }).sampleSignature(BT_PAYLOAD);

const TWILIO_URL = 'https://hooks.example.com/webhooks/twilio?source=sms';
const twilioParams = { AccountSid: 'AC5ef872f6da5a21de157d80997a64bd33', From: '+15005550006', MessageSid: 'SM9d6a4c2b1e0f8a7c6b5d4e3f2a1b0c9d', MessageStatus: 'delivered', To: '+15005550001' };
const twilioSig = (token: string, url = TWILIO_URL) => twilio.getExpectedTwilioSignature(token, url, twilioParams);

const ED = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { format: 'der', type: 'pkcs8' },
  publicKeyEncoding: { format: 'der', type: 'spki' },
});

const PP_CHAIN = makeStandInChain();
const PP_NOW = Math.floor(Date.now() / 1000) + 60;
const PP_CERT_URL = 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-vectors';
const ppSign = (body: string, webhookId: string, ts: number): Signed => ({
  headers: paypalHeaders({ body, webhookId, keyPem: PP_CHAIN.leafKeyPem, certUrl: PP_CERT_URL, time: new Date(ts * 1000), transmissionId: 'b2384410-f8d2-11ee-8fd5-0d3bd4bd9e8f' }),
  body,
});

/**
 * A scheme that signs in one header: `sig` computes its value, `extra` the headers sent after it;
 * `malformedValue` is a value of that header that does not parse.
 */
const inHeader = (
  sigHeader: string,
  malformedValue: string,
  timestamped: boolean,
  sig: (body: string, secret: string, ts: number) => string | Promise<string>,
  extra: (ts: number) => Record<string, string> = () => ({}),
): Pick<Spec, 'sigHeader' | 'malformedValue' | 'timestamped' | 'sign'> => ({
  sigHeader,
  malformedValue,
  timestamped,
  sign: async (body, secret, ts) => ({ headers: { [sigHeader]: await sig(body, secret, ts), ...extra(ts) }, body }),
});

const SPECS: Spec[] = [
  {
    provider: 'stripe',
    secrets: ['whsec_3b1f0e9c8d7a6b5c4d3e2f1a0b9c8d7e', 'whsec_a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4'],
    wrongSecret: 'whsec_00000000000000000000000000000000',
    body: JSON.stringify({ id: 'evt_1QxYz2AbCdEf', object: 'event', type: 'payment_intent.succeeded', created: NOW_SEC - 10, data: { object: { id: 'pi_3Qx', amount: 2000, currency: 'usd' } } }),
    ...inHeader('stripe-signature', 'v1=,t=abc', true, (body, secret, ts) => stripeSdk.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: ts })),
    multi: (body, ts) => {
      const good = stripeSdk.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_3b1f0e9c8d7a6b5c4d3e2f1a0b9c8d7e', timestamp: ts });
      const bad = hex('whsec_other', `${ts}.${body}`);
      return { headers: { 'stripe-signature': `t=${ts},v1=${bad},${good.split(',')[1]},v0=${bad}` }, body };
    },
    expect: { eventId: 'evt_1QxYz2AbCdEf', type: 'payment_intent.succeeded' },
  },
  {
    provider: 'standard-webhooks',
    secrets: SW_SECRETS,
    wrongSecret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    body: JSON.stringify({ type: 'invoice.paid', timestamp: '2025-12-31T23:59:50Z', data: { id: 'inv_42', amount: 1250 } }),
    sign: (body, secret, ts) => ({ headers: swHeaders('msg_2bWkq8Yk1sNf3', ts, sw(secret, 'msg_2bWkq8Yk1sNf3', ts, body)), body }),
    sigHeader: 'webhook-signature',
    malformedValue: 'v1:abc',
    timestamped: true,
    multi: (body, ts) => ({
      headers: swHeaders('msg_2bWkq8Yk1sNf3', ts, `v1,${Buffer.alloc(32, 7).toString('base64')} v2,zzz ${sw(SW_SECRETS[0], 'msg_2bWkq8Yk1sNf3', ts, body)}`),
      body,
    }),
    expect: { eventId: 'msg_2bWkq8Yk1sNf3', type: 'invoice.paid' },
  },
  {
    provider: 'github',
    secrets: ['gh_8c2e4f6a0b1d3e5f7a9c', 'gh_1a3c5e7f9b0d2f4a6c8e'],
    wrongSecret: 'gh_wrong',
    body: JSON.stringify({ action: 'created', installation: { id: 1 }, sender: { login: 'octocat' } }),
    ...inHeader('x-hub-signature-256', 'sha1=abc', false, (body, secret) => octokitSign(secret, body), () => ({ 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-github-event': 'installation' })),
    expect: { eventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', type: 'installation.created' },
  },
  {
    provider: 'shopify',
    secrets: ['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', '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'],
    wrongSecret: 'shpss_wrong',
    body: JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '11.00' }),
    ...inHeader('x-shopify-hmac-sha256', '%%%not-base64%%%', false, (body, secret) => b64(secret, body), () => ({ 'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043', 'x-shopify-topic': 'orders/create', 'x-shopify-triggered-at': '2025-12-31T23:59:00.000Z' })),
    expect: { eventId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043', type: 'orders/create' },
  },
  {
    provider: 'square',
    secrets: ['sq0wss-4Kf9aQ2mZ8rT1vX6bN3c', 'sq0wss-7Hd2kP5sW9eY4uJ1gL8q'],
    wrongSecret: 'sq0wss-wrong',
    config: { notificationUrl: 'https://hooks.example.com/webhooks/square' },
    body: JSON.stringify({ merchant_id: 'MLX4C7', type: 'payment.updated', event_id: '6a8f5f28-54a1-4eb0-a98a-3111513fd4fc', created_at: '2025-12-31T23:59:00Z', data: { type: 'payment', id: 'KkAkhdMs' } }),
    ...inHeader('x-square-hmacsha256-signature', 'abc', false, (body, secret) => b64(secret, `https://hooks.example.com/webhooks/square${body}`)),
    expect: { eventId: '6a8f5f28-54a1-4eb0-a98a-3111513fd4fc', type: 'payment.updated' },
  },
  {
    provider: 'paddle',
    secrets: ['pdl_ntfset_01h8bkr0d5e7x4w5qy2k3m9s6t_4fK2', 'pdl_ntfset_01h8bkr0d5e7x4w5qy2k3m9s6u_8Hj1'],
    wrongSecret: 'pdl_ntfset_wrong',
    body: JSON.stringify({ event_id: 'evt_01h8bkr6j9s2v1d7x3c0q5k8m4', event_type: 'transaction.completed', occurred_at: '2025-12-31T23:59:40.000Z', data: { id: 'txn_01h8' } }),
    ...inHeader('paddle-signature', 'h1=abc', true, (body, secret, ts) => `ts=${ts};h1=${hex(secret, `${ts}:${body}`)}`),
    multi: (body, ts) => ({ headers: { 'paddle-signature': `ts=${ts};h1=${hex('other', `${ts}:${body}`)};h1=${hex('pdl_ntfset_01h8bkr0d5e7x4w5qy2k3m9s6t_4fK2', `${ts}:${body}`)}` }, body }),
    expect: { eventId: 'evt_01h8bkr6j9s2v1d7x3c0q5k8m4', type: 'transaction.completed' },
  },
  {
    provider: 'adyen',
    secrets: ['44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056', '9A3F1C2B4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8'],
    wrongSecret: '0000000000000000000000000000000000000000000000000000000000000000',
    body: '',
    sign: (_b, secret) => ({ headers: { 'content-type': 'application/json' }, body: adyenBody([adyenItem(secret)]) }),
    timestamped: false,
    tamper: (s) => ({ ...s, body: s.body.replace('"value":1130', '"value":1131') }),
    missing: (s) => ({ ...s, body: s.body.replace(/"hmacSignature":"[^"]*"/, '"x":"y"') }),
    malformed: (s) => ({ ...s, body: s.body.replace(/"hmacSignature":"[^"]*"/, '"hmacSignature":"not base64!"') }),
    expect: { eventId: 'AUTHORISATION:7914073381342284', type: 'AUTHORISATION' },
  },
  {
    provider: 'razorpay',
    secrets: ['rzp_whsec_Kq8vN2mX5pL9', 'rzp_whsec_Tz4bH7cJ1wR6'],
    wrongSecret: 'rzp_wrong',
    body: JSON.stringify({ entity: 'event', event: 'payment.captured', created_at: NOW_SEC - 20, payload: { payment: { entity: { id: 'pay_29QQoUBi66xm2f' } } } }),
    ...inHeader('x-razorpay-signature', 'zz', false, (body, secret) => hex(secret, body), () => ({ 'x-razorpay-event-id': 'EmmUJTQXkQ6F0v' })),
    expect: { eventId: 'EmmUJTQXkQ6F0v', type: 'payment.captured' },
  },
  {
    provider: 'lemonsqueezy',
    secrets: ['ls_whsec_c0ffee1234567890', 'ls_whsec_deadbeef09876543'],
    wrongSecret: 'ls_wrong',
    body: JSON.stringify({ meta: { event_name: 'order_created' }, data: { type: 'orders', id: '1', attributes: { created_at: '2025-12-31T23:59:00.000000Z', updated_at: '2025-12-31T23:59:01.000000Z' } } }),
    ...inHeader('x-signature', 'g00d', false, (body, secret) => hex(secret, body), () => ({ 'x-event-name': 'order_created' })),
    expect: { eventId: (s) => `sha256:${sha256(s.body)}`, type: 'order_created' },
  },
  {
    provider: 'slack',
    secrets: ['8f742231b10e8888abcd99yyyzzz85a5', '1b2c3d4e5f60718293a4b5c6d7e8f901'],
    wrongSecret: '00000000000000000000000000000000',
    body: JSON.stringify({ token: 'x', team_id: 'T061EG9R6', type: 'event_callback', event_id: 'Ev0PV52K21', event_time: NOW_SEC - 5, event: { type: 'app_mention', text: 'hi' } }),
    ...inHeader('x-slack-signature', 'v1=abc', true, (body, secret, ts) => `v0=${hex(secret, `v0:${ts}:${body}`)}`, (ts) => ({ 'x-slack-request-timestamp': String(ts) })),
    expect: { eventId: 'Ev0PV52K21', type: 'app_mention' },
  },
  {
    provider: 'twilio',
    secrets: ['12345678901234567890123456789012', 'abcdefabcdefabcdefabcdefabcdefab'],
    wrongSecret: 'ffffffffffffffffffffffffffffffff',
    url: TWILIO_URL,
    body: new URLSearchParams(twilioParams).toString(),
    ...inHeader('x-twilio-signature', 'short', false, (_body, secret) => twilioSig(secret), () => ({ 'i-twilio-idempotency-token': 'a4f8e0c2-6b1d-4e3f-9a7c-2d5b8e1f0c3a', 'content-type': 'application/x-www-form-urlencoded' })),
    expect: { eventId: 'a4f8e0c2-6b1d-4e3f-9a7c-2d5b8e1f0c3a', type: 'message.delivered' },
  },
  {
    provider: 'braintree',
    secrets: BT.privateKeys,
    wrongSecret: 'ffffffffffffffffffffffffffffffff',
    config: { publicKey: BT.publicKey },
    body: '',
    sign: (_b, secret) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: btForm(btSig(secret)) }),
    timestamped: false,
    multi: () => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: btForm(`other_pub|${'0'.repeat(40)}&${BT.publicKey}|${'1'.repeat(40)}&${btSig(BT.privateKeys[0])}`),
    }),
    tamper: (s) => ({ ...s, body: btForm(new URLSearchParams(s.body).get('bt_signature')!, `${Buffer.from(BT_XML.replace('sub_8f2k', 'sub_9f2k')).toString('base64')}\n`) }),
    missing: (s) => ({ ...s, body: new URLSearchParams({ bt_payload: BT_PAYLOAD }).toString() }),
    malformed: (s) => ({ ...s, body: btForm('no-pipe-here') }),
    expect: { eventId: `sha256:${sha256(BT_PAYLOAD.trim())}`, type: 'subscription_charged_successfully' },
  },
  {
    provider: 'paypal',
    secrets: ['WH-4MG50447G5823891L', 'WH-0RE03552HT6457211'],
    wrongSecret: 'WH-WRONG',
    body: JSON.stringify({ id: 'WH-2WR32451HC0233532-67976317FL4543714', event_type: 'PAYMENT.CAPTURE.COMPLETED', create_time: '2026-11-26T10:00:00Z', resource: { id: 'CAP-1', amount: { value: '10.00', currency_code: 'USD' } } }),
    sign: ppSign,
    sigHeader: 'paypal-transmission-sig',
    malformedValue: 'not base64!',
    timestamped: true,
    nowSec: PP_NOW,
    context: { certificates: { [PP_CERT_URL]: PP_CHAIN.leafPem + PP_CHAIN.rootPem }, trustRootPem: PP_CHAIN.rootPem },
    expect: { eventId: 'WH-2WR32451HC0233532-67976317FL4543714', type: 'PAYMENT.CAPTURE.COMPLETED' },
  },
];

const unspecified = WEBHOOK_PROVIDERS.filter((p) => !SPECS.some((s) => s.provider === p));
if (unspecified.length) throw new Error(`No vector spec for ${unspecified.join(', ')}: add one to SPECS`);

function upperCaseNames(h: Record<string, string>, mode: 'upper' | 'mixed') {
  return Object.fromEntries(
    Object.entries(h).map(([k, v]) => [
      mode === 'upper' ? k.toUpperCase() : k.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase()),
      v,
    ]),
  );
}

async function casesFor(spec: Spec): Promise<VectorCase[]> {
  const url = spec.url ?? `https://hooks.example.com/webhooks/${spec.provider}`;
  const now = spec.nowSec ?? NOW_SEC;
  const base = { url, secrets: [...spec.secrets], config: spec.config ?? {}, now: now * 1000, toleranceSec: TOL, ...(spec.context ? { context: spec.context } : {}) };
  const ts = now - 30;
  const valid = await spec.sign(spec.body, spec.secrets[0], ts);
  const eventId = typeof spec.expect.eventId === 'string' ? spec.expect.eventId : spec.expect.eventId(valid);
  const ok = (matchedSecret: number) => ({ ok: true as const, eventId, type: spec.expect.type, matchedSecret });
  const bad = (reason: string) => ({ ok: false as const, reason });
  const c = (name: string, s: Signed, expect: VectorCase['expect'], over: Partial<VectorCase> = {}): VectorCase => ({
    name,
    ...base,
    headers: s.headers,
    body: s.body,
    expect,
    ...over,
  });
  const out: VectorCase[] = [c('valid', valid, ok(0))];
  const tampered = spec.tamper ? spec.tamper(valid) : { ...valid, body: valid.body.replace('1', '2') };
  out.push(c('tampered body', tampered, bad('bad_signature')));
  out.push(c('wrong secret', valid, bad('bad_signature'), { secrets: [spec.wrongSecret] }));
  if (spec.timestamped) {
    out.push(c('stale timestamp', await spec.sign(spec.body, spec.secrets[0], now - TOL - 1), bad('stale_timestamp')));
    out.push(c('future timestamp', await spec.sign(spec.body, spec.secrets[0], now + TOL + 1), bad('future_timestamp')));
    out.push(c('timestamp at the edge of tolerance', await spec.sign(spec.body, spec.secrets[0], now - TOL), ok(0)));
  }
  const missing = spec.missing
    ? spec.missing(valid)
    : { ...valid, headers: Object.fromEntries(Object.entries(valid.headers).filter(([k]) => k !== spec.sigHeader)) };
  out.push(c('missing signature', missing, bad('missing_signature')));
  const malformed = spec.malformed
    ? spec.malformed(valid)
    : { ...valid, headers: { ...valid.headers, [spec.sigHeader!]: spec.malformedValue! } };
  out.push(c('malformed signature header', malformed, bad('malformed_header')));
  const rotated = await spec.sign(spec.body, spec.secrets[1], ts);
  out.push(c('rotated: second secret valid', rotated, ok(1)));
  if (spec.multi) out.push(c('several signatures, one valid', await spec.multi(spec.body, ts), ok(0)));
  out.push(c('upper-case header names', { ...valid, headers: upperCaseNames(valid.headers, 'upper') }, ok(0)));
  out.push(c('mixed-case header names', { ...valid, headers: upperCaseNames(valid.headers, 'mixed') }, ok(0)));
  return out;
}

const TWILIO_TOKEN = '12345678901234567890123456789012';
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** A case checked at NOW_SEC with the default tolerance and no config. */
const vector = (
  name: string,
  url: string,
  headers: Record<string, string>,
  body: string,
  secrets: string[],
  expect: VectorCase['expect'],
): VectorCase => ({ name, url, headers, body, secrets, config: {}, now: NOW_SEC * 1000, toleranceSec: TOL, expect });

/** Extra, provider-specific cases. */
async function extras(): Promise<Record<string, VectorCase[]>> {
  const svixTs = NOW_SEC - 10;
  const body = JSON.stringify({ type: 'user.created', data: { id: 'u_1' } });
  const svixHeaders = { 'svix-id': 'msg_svix_1', 'svix-timestamp': String(svixTs), 'svix-signature': sw(SW_SECRETS[0], 'msg_svix_1', svixTs, body) };
  const edPub = `whpk_${ED.publicKey.subarray(12).toString('base64')}`;
  const edSig = edSign(null, Buffer.from(`msg_ed_1.${svixTs}.${body}`), { key: ED.privateKey, format: 'der', type: 'pkcs8' }).toString('base64');
  const common = { url: 'https://hooks.example.com/webhooks/standard-webhooks', config: {}, now: NOW_SEC * 1000, toleranceSec: TOL };
  const jsonUrlBase = 'https://hooks.example.com/webhooks/twilio?bodySHA256=';
  const twilioJson = JSON.stringify({ type: 'com.twilio.messaging.message.delivered', timestamp: '2025-12-31T23:59:00Z' });
  const twilioJsonUrl = `${jsonUrlBase}${sha256(twilioJson)}`;
  const twilioJsonSig = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, twilioJsonUrl, null as never);
  const slackChallenge = JSON.stringify({ token: 'x', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
  const sample = btGateway(BT.privateKeys[0]).webhookTesting.sampleNotification('subscription_went_past_due', 'sub_77') as unknown as Record<string, string>;
  const btSample = { body: new URLSearchParams(sample).toString(), payload: sample.bt_payload! };
  return {
    'standard-webhooks': [
      { name: 'svix-* header aliases', ...common, headers: svixHeaders, body, secrets: SW_SECRETS, expect: { ok: true, eventId: 'msg_svix_1', type: 'user.created', matchedSecret: 0 } },
      {
        name: 'v1a ed25519 with a whpk_ public key',
        ...common,
        headers: swHeaders('msg_ed_1', svixTs, `v1a,${edSig}`),
        body,
        secrets: [SW_SECRETS[0], edPub],
        expect: { ok: true, eventId: 'msg_ed_1', type: 'user.created', matchedSecret: 1 },
      },
      {
        name: 'v1a ed25519 over a tampered body',
        ...common,
        headers: swHeaders('msg_ed_1', svixTs, `v1a,${edSig}`),
        body: body.replace('u_1', 'u_2'),
        secrets: [edPub],
        expect: { ok: false, reason: 'bad_signature' },
      },
    ],
    twilio: [
      vector(
        'JSON body signed by URL with bodySHA256',
        twilioJsonUrl,
        { 'x-twilio-signature': twilioJsonSig, 'content-type': 'application/json', 'i-twilio-idempotency-token': 'tok-json-1' },
        twilioJson,
        [TWILIO_TOKEN],
        { ok: true, eventId: 'tok-json-1', type: 'com.twilio.messaging.message.delivered', matchedSecret: 0 },
      ),
      vector(
        'JSON body that does not match bodySHA256',
        twilioJsonUrl,
        { 'x-twilio-signature': twilioJsonSig, 'content-type': 'application/json' },
        twilioJson.replace('delivered', 'failed'),
        [TWILIO_TOKEN],
        { ok: false, reason: 'bad_signature' },
      ),
      vector(
        'signed with the port in the URL',
        'https://hooks.example.com:443/webhooks/twilio?source=sms',
        { 'x-twilio-signature': twilioSig(TWILIO_TOKEN), 'i-twilio-idempotency-token': 'tok-port' },
        new URLSearchParams(twilioParams).toString(),
        [TWILIO_TOKEN],
        { ok: true, eventId: 'tok-port', type: 'message.delivered', matchedSecret: 0 },
      ),
    ],
    braintree: [
      {
        name: 'SDK sampleNotification',
        body: btSample.body,
        url: 'https://hooks.example.com/webhooks/braintree',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        secrets: [BT.privateKeys[0]],
        config: { publicKey: BT.publicKey },
        now: NOW_SEC * 1000,
        toleranceSec: TOL,
        expect: { ok: true, eventId: `sha256:${sha256(btSample.payload.trim())}`, type: 'subscription_went_past_due', matchedSecret: 0 },
      },
    ],
    slack: [
      vector(
        'url_verification challenge',
        'https://hooks.example.com/webhooks/slack',
        { 'x-slack-signature': `v0=${hex(SLACK_SECRET, `v0:${NOW_SEC}:${slackChallenge}`)}`, 'x-slack-request-timestamp': String(NOW_SEC) },
        slackChallenge,
        [SLACK_SECRET],
        { ok: true, eventId: `url_verification:${NOW_SEC}`, type: 'url_verification', matchedSecret: 0 },
      ),
    ],
  };
}

const extra = await extras();
const only = process.argv.slice(2);
for (const spec of SPECS.filter((s) => only.length === 0 || only.includes(s.provider))) {
  const cases = [...(await casesFor(spec)), ...(extra[spec.provider] ?? [])];
  await writeFile(join(here, `${spec.provider}.json`), `${JSON.stringify({ provider: spec.provider, cases }, null, 2)}\n`);
  process.stdout.write(`${spec.provider}: ${cases.length} cases\n`);
}

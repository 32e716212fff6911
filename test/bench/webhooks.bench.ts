/**
 * Webhooks bench.
 * 1. Verify throughput per scheme on the same 2 KB body, against (a) a raw node:crypto floor
 *    (Stripe-style header parse + HMAC-SHA256 + constant-time compare + JSON.parse) and (b) the
 *    official SDKs (stripe constructEvent, standardwebhooks verify). Goals: every HMAC scheme
 *    >= 0.9x (a), Stripe >= 1x its SDK, Standard Webhooks >= 3x its SDK.
 * 2. End-to-end ingest through the local runtime (autocannon, 50 connections, unique Stripe
 *    events) against a bare node:http server doing the same HMAC check and the same conditional
 *    PutItem (same item: GSI keys, gzipped body) through the SDK on the same dynalite. Goal >= 0.8x.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { startLocal } from '../../infra/local/server.js';
import { signWebhook } from '../../infra/local/webhook-signers.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { EVENT } from '../../shared/adapters/dynamodb/keys.js';
import { eventIdFor } from '../../shared/events/record.js';
import { PROVIDERS } from '../../shared/webhooks/catalog.js';
import type { VerifyInput } from '../../shared/webhooks/types.js';
import type { BenchResult } from './run.js';

const NOW_SEC = 1_767_225_600;
const URL_BASE = 'https://hooks.example.com';

const SECRETS: Record<string, { secrets: string[]; [k: string]: unknown }> = {
  stripe: { secrets: ['whsec_bench_0123456789abcdef0123456789'] },
  'standard-webhooks': { secrets: [`whsec_${Buffer.alloc(24, 9).toString('base64')}`] },
  github: { secrets: ['gh-bench-secret'] },
  shopify: { secrets: ['shopify-bench-secret'] },
  square: { secrets: ['square-bench-key'], notificationUrl: `${URL_BASE}/webhooks/square` },
  paddle: { secrets: ['pdl_ntfset_bench'] },
  adyen: { secrets: ['44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'] },
  razorpay: { secrets: ['rzp-bench'] },
  lemonsqueezy: { secrets: ['ls-bench'] },
  slack: { secrets: ['slack-bench'] },
  twilio: { secrets: ['twilio-bench-token'] },
  braintree: { secrets: ['bt-bench-private'], publicKey: 'bt_pub' },
};

/** Pads a JSON body to ~2 KB while keeping the provider's shape. */
function pad2k(json: string): string {
  const doc = JSON.parse(json) as Record<string, unknown>;
  const filler = 'x'.repeat(Math.max(0, 2048 - json.length - 16));
  return JSON.stringify({ ...doc, padding: filler });
}

function rate(fn: () => unknown, ms: number): number {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/**
 * ops/s of `a` and `b`, measured in alternating slices (best of each), so that load from other
 * work on this shared machine hits both sides of every ratio alike.
 */
function compare(a: () => unknown, b: () => unknown, rounds = 6, sliceMs = 120): [number, number] {
  for (let i = 0; i < 2000; i++) {
    a();
    b();
  }
  let bestA = 0;
  let bestB = 0;
  for (let r = 0; r < rounds; r++) {
    bestA = Math.max(bestA, rate(a, sliceMs));
    bestB = Math.max(bestB, rate(b, sliceMs));
  }
  return [bestA, bestB];
}

function verifyBench(): BenchResult[] {
  const results: BenchResult[] = [];
  // (a) the floor, on a Stripe-shaped 2 KB request.
  const stripeSecret = SECRETS.stripe!.secrets[0]!;
  const body = pad2k(
    JSON.stringify({
      id: 'evt_bench',
      object: 'event',
      type: 'payment_intent.succeeded',
      created: NOW_SEC,
      data: { object: { id: 'pi_1', amount: 2000 } },
    }),
  );
  const header = `t=${NOW_SEC},v1=${createHmac('sha256', stripeSecret).update(`${NOW_SEC}.${body}`).digest('hex')}`;
  const rawBody = Buffer.from(body);
  const floor = () => {
    const parts = header.split(',');
    const t = parts[0]!.slice(2);
    const sig = Buffer.from(parts[1]!.slice(3), 'hex');
    const mac = createHmac('sha256', stripeSecret).update(`${t}.`).update(rawBody).digest();
    if (!(mac.length === sig.length && timingSafeEqual(mac, sig))) throw new Error('floor mismatch');
    // The verifier receives bytes (the raw body), so the floor decodes the same bytes.
    return JSON.parse(rawBody.toString('utf8'));
  };

  for (const slug of Object.keys(SECRETS)) {
    const scheme = PROVIDERS[slug]!;
    const url = `${URL_BASE}/webhooks/${slug}`;
    let sample: string | undefined;
    if (slug === 'twilio' || slug === 'braintree') sample = undefined;
    else if (slug === 'adyen') sample = undefined;
    else
      sample = pad2k(signWebhook(slug, { url, secret: SECRETS[slug]!, nowSec: NOW_SEC, id: 'bench' }).body);
    const signed = signWebhook(slug, {
      url,
      secret: SECRETS[slug]!,
      nowSec: NOW_SEC,
      id: 'bench',
      body: sample,
    });
    const { secrets, ...config } = SECRETS[slug]!;
    const input: VerifyInput = {
      rawBody: Buffer.from(signed.body),
      headers: signed.headers,
      url,
      secrets,
      config,
      now: NOW_SEC * 1000,
      toleranceSec: 300,
      // As the receive pipeline passes it: the body is hashed once for the stored record, whatever
      // the provider, so schemes that derive their event id from it (Lemon Squeezy) reuse it.
      bodySha256: createHash('sha256').update(signed.body).digest('hex'),
    };
    const check = scheme.verify(input);
    if (!('ok' in check) || !check.ok) throw new Error(`${slug}: bench request does not verify`);
    const verify = () => scheme.verify(input);
    const [ops, floorOps] = compare(verify, floor);
    const ratio = ops / floorOps;
    results.push({
      name: `verify ${slug} (${input.rawBody.length} B)`,
      value: ops,
      unit: 'ops/s',
      baseline: { name: 'node:crypto floor (parse+HMAC+JSON.parse)', value: floorOps },
      ratio,
      goal: '>= 0.9x floor',
      pass: ratio >= 0.9,
    });
    if (slug === 'stripe') {
      const sdk = new Stripe('sk_test_bench');
      // The SDK checks against the real clock: sign a copy with the current time for it.
      const live = signWebhook(slug, { url, secret: SECRETS[slug]!, id: 'bench', body: sample });
      const [ours, sdkOps] = compare(verify, () =>
        sdk.webhooks.constructEvent(live.body, live.headers['stripe-signature']!, secrets[0]!, 300),
      );
      results.push({
        name: 'verify stripe vs stripe SDK constructEvent',
        value: ours,
        unit: 'ops/s',
        baseline: { name: 'stripe constructEvent', value: sdkOps },
        ratio: ours / sdkOps,
        goal: '>= 1x',
        pass: ours / sdkOps >= 1,
      });
    }
    if (slug === 'standard-webhooks') {
      const wh = new Webhook(secrets[0]!);
      // The SDK checks against the real clock: sign a copy with the current time for it.
      const live = signWebhook(slug, { url, secret: SECRETS[slug]!, id: 'bench', body: sample });
      const [ours, sdkOps] = compare(verify, () => wh.verify(live.body, live.headers));
      results.push({
        name: 'verify standard-webhooks vs standardwebhooks verify',
        value: ours,
        unit: 'ops/s',
        baseline: { name: 'standardwebhooks verify', value: sdkOps },
        ratio: ours / sdkOps,
        goal: '>= 3x',
        pass: ours / sdkOps >= 3,
      });
    }
  }
  return results;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(url: string, secret: string, seconds: number): Promise<Load> {
  const options = {
    url,
    connections: 50,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>) => {
          const nowSec = Math.floor(Date.now() / 1000);
          const s = signWebhook('stripe', { url, secret: { secrets: [secret] }, nowSec, id: randomUUID() });
          return { ...req, headers: s.headers, body: s.body };
        },
      },
    ],
  };
  const result = await autocannon(options as unknown as Parameters<typeof autocannon>[0]);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

async function ingestBench(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'hb-bench-'));
  const secretsFile = join(dir, 'secrets.json');
  const secret = SECRETS.stripe!.secrets[0]!;
  await writeFile(secretsFile, JSON.stringify({ 'hookbridge/webhooks/stripe': SECRETS.stripe }));
  process.env.HOOKBRIDGE_LOG_LEVEL = 'warn';
  const rt = await startLocal({ port: 0, secretsFile, apiKey: 'bench-admin-key-0123456789' });
  const ddb = createDocumentClient({ region: 'us-east-1', endpoint: rt.dynamoEndpoint });
  const bare = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const header = String(req.headers['stripe-signature'] ?? '');
        const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
        const mac = createHmac('sha256', secret).update(`${parts.t}.`).update(raw).digest();
        const sig = Buffer.from(parts.v1 ?? '', 'hex');
        if (!(mac.length === sig.length && timingSafeEqual(mac, sig))) {
          res.writeHead(401).end();
          return;
        }
        const evt = JSON.parse(raw.toString('utf8')) as { id: string; type: string };
        const id = eventIdFor('stripe', 'default', evt.id);
        const receivedAt = new Date().toISOString();
        try {
          await ddb.send(
            new PutCommand({
              TableName: rt.table,
              Item: {
                pk: EVENT.pk(id),
                sk: 'event',
                kind: 'event',
                gsi1pk: 'events',
                gsi1sk: `${receivedAt}#${id}`,
                gsi2pk: 'events#stripe',
                gsi2sk: `${receivedAt}#${id}`,
                ttl: Math.floor(Date.now() / 1000) + 30 * 86400,
                id,
                provider: 'stripe',
                source: 'default',
                eventId: evt.id,
                type: evt.type,
                receivedAt,
                bodySha256: createHash('sha256').update(raw).digest('hex'),
                bodySize: raw.length,
                headers: req.headers,
                matchedSecret: 0,
                bodyEncoding: 'gzip',
                body: gzipSync(raw),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: 'stored', id }));
        } catch {
          res.writeHead(503).end();
        }
      })();
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/webhooks/stripe`;
  try {
    await load(bareUrl, secret, 1); // warm both paths
    await load(`${rt.url}/webhooks/stripe`, secret, 1);
    // Alternate the two so that noise from other work on the machine hits both; keep the best of each.
    const best = (a: Load, b: Load) => (b.rps > a.rps ? b : a);
    let base = await load(bareUrl, secret, 4);
    let ours = await load(`${rt.url}/webhooks/stripe`, secret, 4);
    base = best(base, await load(bareUrl, secret, 4));
    ours = best(ours, await load(`${rt.url}/webhooks/stripe`, secret, 4));
    const ratio = ours.rps / base.rps;
    return [
      {
        name: 'ingest req/s (local runtime, 50 conns, unique events)',
        value: ours.rps,
        unit: 'req/s',
        baseline: { name: 'bare node:http + same HMAC + same PutItem', value: base.rps },
        ratio,
        goal: '>= 0.8x',
        pass: ratio >= 0.8 && ours.non2xx === 0,
      },
      {
        name: 'ingest p50 latency',
        value: ours.p50,
        unit: 'ms',
        baseline: { name: 'bare p50', value: base.p50 },
      },
      {
        name: 'ingest p99 latency',
        value: ours.p99,
        unit: 'ms',
        baseline: { name: 'bare p99', value: base.p99 },
      },
      {
        name: 'ingest non-2xx answers (ours / bare)',
        value: ours.non2xx,
        unit: `count (bare ${base.non2xx})`,
      },
    ];
  } finally {
    // Let in-flight puts finish before dynalite closes.
    await new Promise((r) => setTimeout(r, 1500));
    await new Promise<void>((r) => bare.close(() => r()));
    ddb.destroy();
    await rt.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function webhooksBench(): Promise<BenchResult[]> {
  return [...verifyBench(), ...(await ingestBench())];
}

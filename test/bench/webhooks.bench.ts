/**
 * Webhooks bench.
 * 1. Verify throughput per scheme on the same 2 KB body, against (a) a raw node:crypto floor
 *    (Stripe-style header parse + HMAC-SHA256 + constant-time compare + JSON.parse) and (b) the
 *    official SDKs (stripe constructEvent, standardwebhooks verify). Goals: every HMAC scheme
 *    >= 0.9x (a), Stripe >= 1x its SDK, Standard Webhooks >= 3x its SDK.
 * 2. End-to-end ingest through the local runtime (autocannon, 50 connections, unique Stripe
 *    events) against a bare node:http server doing the same HMAC check and the same conditional
 *    PutItem (same item: its one index key, gzipped body) through the SDK on the same dynalite. Goal >= 0.8x.
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
import { type SignedRequest, signWebhook } from '../../infra/local/webhook-signers.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { EVENT } from '../../shared/adapters/dynamodb/keys.js';
import { eventIdFor } from '../../shared/events/record.js';
import { PROVIDERS } from '../../shared/webhooks/catalog.js';
import type { VerifyInput } from '../../shared/webhooks/types.js';
import { WEBHOOK_SECRETS } from '../support/webhook-secrets.js';
import { figure, ratioGoal } from './lib.js';
import type { BenchResult } from './run.js';

const NOW_SEC = 1_767_225_600;
const URL_BASE = 'https://hooks.example.com';

/** The test suite's webhook secrets, one per provider (a source with a single secret). */
const SECRETS = Object.fromEntries(
  Object.entries(WEBHOOK_SECRETS).map(([slug, v]) => [slug, { ...v, secrets: v.secrets.slice(0, 1) }]),
);

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

const FLOOR = 'node:crypto floor (parse+HMAC+JSON.parse)';

/** The official SDKs each scheme is also measured against: a verifier of the live-signed request. */
const SDK_BASELINES: Record<
  string,
  {
    label: string;
    baseline: string;
    atLeast: number;
    verifier: (live: SignedRequest, secret: string) => () => unknown;
  }
> = {
  stripe: {
    label: 'stripe SDK constructEvent',
    baseline: 'stripe constructEvent',
    atLeast: 1,
    verifier: (live, secret) => {
      const sdk = new Stripe('sk_test_bench');
      return () => sdk.webhooks.constructEvent(live.body, live.headers['stripe-signature']!, secret, 300);
    },
  },
  'standard-webhooks': {
    label: 'standardwebhooks verify',
    baseline: 'standardwebhooks verify',
    atLeast: 3,
    verifier: (live, secret) => {
      const wh = new Webhook(secret);
      return () => wh.verify(live.body, live.headers);
    },
  },
};

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
    const name = `verify ${slug} (${input.rawBody.length} B)`;
    results.push(ratioGoal(name, ops, 'ops/s', [FLOOR, floorOps], '>= 0.9x floor', (r) => r >= 0.9));
    const sdk = SDK_BASELINES[slug];
    if (sdk) {
      // The SDK checks against the real clock: sign a copy with the current time for it.
      const live = signWebhook(slug, { url, secret: SECRETS[slug]!, id: 'bench', body: sample });
      const [ours, sdkOps] = compare(verify, sdk.verifier(live, secrets[0]!));
      const goal = `>= ${sdk.atLeast}x`;
      results.push(
        ratioGoal(
          `verify ${slug} vs ${sdk.label}`,
          ours,
          'ops/s',
          [sdk.baseline, sdkOps],
          goal,
          (r) => r >= sdk.atLeast,
        ),
      );
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
                // The one index key the real handler writes (events.ts eventItem).
                gsi3pk: EVENT.listPk(EVENT.shardOf(id)),
                gsi3sk: EVENT.listSk(receivedAt, id),
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
    return [
      ratioGoal(
        'ingest req/s (local runtime, 50 conns, unique events)',
        ours.rps,
        'req/s',
        ['bare node:http + same HMAC + same PutItem', base.rps],
        '>= 0.8x',
        (r) => r >= 0.8 && ours.non2xx === 0,
      ),
      figure('ingest p50 latency', ours.p50, 'ms', ['bare p50', base.p50]),
      figure('ingest p99 latency', ours.p99, 'ms', ['bare p99', base.p99]),
      figure('ingest non-2xx answers (ours / bare)', ours.non2xx, `count (bare ${base.non2xx})`),
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

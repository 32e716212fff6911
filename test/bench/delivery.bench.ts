/**
 * Delivery pipeline bench (local runtime, real clock): a Stripe webhook is POSTed to
 * /webhooks/stripe, stored, picked up by the emulated stream, processed by events-process, queued,
 * signed and sent by deliveries-send to a local receiver that verifies it with `standardwebhooks`.
 * - throughput: events/s from first POST until the receiver has them all (burst, 20 in flight);
 * - latency at 100 events/s: webhook arrival -> receiver, p50 / p99 (goal p99 < 100 ms);
 * - baseline: the POST /webhooks/stripe round trip alone in the same run (the part before the pipeline).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { postStripeWebhook } from '../support/stripe-webhook.js';
import { startProcess } from './lib.js';
import type { BenchResult } from './run.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const SECRET = 'whsec_bench_0123456789abcdef';
const API_KEY = 'bench-admin-key-0123456789';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};

export default async function (): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'hb-bench-delivery-'));
  const secretsFile = join(dir, 'secrets.json');
  await writeFile(secretsFile, JSON.stringify({ 'hookbridge/webhooks/stripe': { secrets: [SECRET] } }));
  const arrivals = new Map<string, number>();
  let verifier: Webhook | undefined;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = verifier!.verify(
        Buffer.concat(chunks).toString('utf8'),
        req.headers as Record<string, string>,
      ) as {
        data: { raw: { providerEventId: string } };
      };
      arrivals.set(body.data.raw.providerEventId, performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  // The receiver is on loopback: exempt it from the SSRF address check (test-only, local mode).
  // The service runs as its own process, as `npm start` does; the load and the app's receiver
  // stay here, so they do not share one event loop with the pipeline they measure.
  const rt = await startProcess('infra/local/main.ts', ['--port', '0', '--secrets-file', secretsFile], {
    HOOKBRIDGE_API_KEY: API_KEY,
    HOOKBRIDGE_TEST_ALLOW_HOSTS: `127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    // One destination, the bench's: not npm start's stand-in receiver too (each event twice).
    HOOKBRIDGE_LOCAL_RECEIVER: 'off',
  });
  const put = await fetch(`${rt.url}/destinations/bench`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      types: ['payment.*'],
    }),
  });
  verifier = new Webhook(((await put.json()) as { secret: string }).secret);

  let n = 0;
  const sent = new Map<string, number>();
  const receiveMs: number[] = [];
  async function post(): Promise<void> {
    const id = `evt_bench_${++n}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: { id: `pi_${n}`, amount: 1000, amount_received: 1000, currency: 'usd', customer: 'cus_b' },
      },
    });
    const t0 = performance.now();
    sent.set(id, t0);
    const res = await postStripeWebhook(rt.url, payload, SECRET);
    await res.arrayBuffer();
    receiveMs.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  }
  const waitFor = async (count: number, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (arrivals.size < count && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    if (arrivals.size < count) throw new Error(`only ${arrivals.size}/${count} delivered`);
  };

  try {
    // Warm-up.
    for (let i = 0; i < 20; i++) await post();
    await waitFor(20, 10_000);

    // 1. Throughput: a burst of 400 with 20 in flight.
    const burst = 400;
    const before = arrivals.size;
    const tStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next++ < burst) await post();
      }),
    );
    await waitFor(before + burst, 30_000);
    const throughput = burst / ((performance.now() - tStart) / 1000);

    // 2. Latency at a steady 100 events/s for 5 s.
    arrivals.clear();
    sent.clear();
    receiveMs.length = 0;
    const rate = 100;
    const total = 500;
    const started = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(post());
    }
    await Promise.all(inflight);
    await waitFor(total, 30_000);
    const latencies = [...sent].map(([id, t0]) => arrivals.get(id)! - t0);
    const p50 = pct(latencies, 50);
    const p99 = pct(latencies, 99);
    const recvP50 = pct(receiveMs, 50);
    const recvP99 = pct(receiveMs, 99);
    return [
      { name: 'pipeline throughput (burst of 400)', value: throughput, unit: 'events/s' },
      {
        name: 'arrival -> receiver p50 @100/s',
        value: p50,
        unit: 'ms',
        baseline: { name: 'POST /webhooks/stripe p50', value: recvP50 },
        ratio: p50 / recvP50,
      },
      {
        name: 'arrival -> receiver p99 @100/s',
        value: p99,
        unit: 'ms',
        baseline: { name: 'POST /webhooks/stripe p99', value: recvP99 },
        ratio: p99 / recvP99,
        goal: 'p99 < 100 ms',
        pass: p99 < 100,
      },
    ];
  } finally {
    receiver.close();
    await rt.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

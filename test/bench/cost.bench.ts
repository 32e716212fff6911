/**
 * Cost bench (`npm run bench -- cost`): N Stripe events (2 KB bodies) through the local runtime on
 * dynalite, with one and with three destinations, counted per event:
 * - DynamoDB calls, WRU and RRU by function and operation, from item sizes (./ddb-meter.ts);
 * - SQS requests: every SendMessage the app makes, and per deliveries-send invocation one
 *   ReceiveMessage and one DeleteMessageBatch, as Lambda's poller makes them (its empty long polls
 *   while idle are a fixed cost per poller, not per event, and not counted);
 * - EventBridge PutEvents entries, each started 64 KB of an entry billed as one;
 * - Lambda invocations, counted, and GB-s at each function's memory (infra/functions.ts) for an
 *   ASSUMED duration per invocation: the local wall time (printed) runs through the metering proxy
 *   on a shared machine, so it overstates what AWS bills.
 * Ingest is webhooks-receive alone plus API Gateway; end to end adds everything behind it.
 * The one-destination runs are repeated with the bus off (HOOKBRIDGE_EVENT_BUS=off, what
 * `-c eventBus=false` deploys): no bus marker, no PutEvents; their figures print beside the bus on.
 * Prices: PRICES below; goals: ingest <= $2.50 per million, end to end with one destination <= $5.00.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FUNCTION_SETTINGS } from '../../infra/functions.js';
import { startLocal } from '../../infra/local/server.js';
import { busEntrySize } from '../../shared/ports/index.js';
import { writeTempSecrets } from '../support/local-runtime.js';
import { postStripeWebhook } from '../support/stripe-webhook.js';
import { DynamoMeter, type Usage } from './ddb-meter.js';
import type { BenchResult } from './run.js';

/** us-east-1 list prices, on demand, as of 2026 (the figures docs/performance.md uses), in $ per unit. */
export const PRICES = {
  asOf: '2026, us-east-1, on demand',
  apiGatewayHttpRequest: 1.0 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm64: 0.0000133334,
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  sqsRequest: 0.4 / 1e6,
  eventBridgeEntry: 1.0 / 1e6,
} as const;

/** Billed ms per invocation on AWS, assumed (docs/performance.md): one write or one batch over the network. */
export const ASSUMED_MS: Record<string, number> = {
  'webhooks-receive': 10,
  'events-process': 50,
  'deliveries-send': 50,
};

const N = 50;
const BODY_BYTES = 2048;
const SECRET = 'whsec_bench_cost_0123456789abcdef';
const API_KEY = 'bench-cost-admin-key-0123456789';
const INGEST = 'webhooks-receive';

interface Lambda {
  count: number;
  ms: number;
}

interface Run {
  dynamo: Map<string, Usage>;
  lambda: Record<string, Lambda>;
  sqs: { send: number; receive: number; delete: number };
  busEntries: number;
  /** Index entries written, by index, then by partition key. */
  indexWrites: Map<string, Map<string, number>>;
}

function stripeEvent(n: number): string {
  const event = {
    id: `evt_cost_${n}_${Date.now()}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `pi_${n}`,
        amount: 1000,
        amount_received: 1000,
        currency: 'usd',
        customer: 'cus_c',
        description: '',
      },
    },
  };
  const pad = BODY_BYTES - JSON.stringify(event).length;
  // Varied text, so the gzipped body is not unrealistically small.
  event.data.object.description = Array.from(
    { length: pad },
    (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(i * 7919 + n) % 36],
  ).join('');
  return JSON.stringify(event);
}

/**
 * `n` events through a fresh local runtime with `destinations` destinations, `concurrency` posts
 * in flight (1: one after the other, each processed alone; more: the stream and queue batches
 * fill as they do under sustained traffic); what they cost, counted.
 */
async function measure(destinations: number, n = N, concurrency = 1, bus: 'on' | 'off' = 'on'): Promise<Run> {
  const secrets = await writeTempSecrets('hb-bench-cost-', {
    'hookbridge/webhooks/stripe': { secrets: [SECRET] },
  });
  let arrivals = 0;
  const receiver = createServer((req, res) => {
    req.resume().on('end', () => {
      arrivals++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hostPort = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const meter = await DynamoMeter.start();
  const rt = await startLocal({
    port: 0,
    secretsFile: secrets.secretsFile,
    apiKey: API_KEY,
    env: {
      HOOKBRIDGE_DYNAMODB_ENDPOINT: meter.url,
      HOOKBRIDGE_TEST_ALLOW_HOSTS: hostPort,
      HOOKBRIDGE_LOG_LEVEL: 'warn',
      HOOKBRIDGE_EVENT_BUS: bus,
    },
  });
  meter.forwardTo(rt.dynamoEndpoint);
  meter.tag(rt.container.table.ddb);
  const sqs = { send: 0, receive: 0, delete: 0 };
  const queueSend = rt.pipeline.queue.send.bind(rt.pipeline.queue);
  rt.pipeline.queue.send = (m, d) => {
    sqs.send++;
    return queueSend(m, d);
  };
  let posted = 0;
  const ingest: Lambda = { count: 0, ms: 0 };
  const post = async () => {
    const payload = stripeEvent(++posted);
    const t = performance.now();
    const res = await postStripeWebhook(rt.url, payload, SECRET);
    await res.arrayBuffer();
    ingest.count++;
    ingest.ms += Math.ceil(performance.now() - t);
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  };
  const settle = async (want: number) => {
    for (let i = 0; i < 3000 && arrivals < want; i++) await new Promise((r) => setTimeout(r, 10));
    if (arrivals < want) throw new Error(`only ${arrivals}/${want} deliveries arrived`);
    await rt.pipeline.idle(30_000);
  };
  try {
    for (let d = 0; d < destinations; d++) {
      const res = await fetch(`${rt.url}/destinations/cost-${d}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `http://${hostPort}/hook/${d}`, types: ['payment.*'] }),
      });
      if (res.status >= 300) throw new Error(`PUT /destinations answered ${res.status}`);
    }
    // Warm-up (caches filled), then count from zero.
    await post();
    await settle(destinations);
    meter.reset();
    const inv = rt.pipeline.invocations;
    const start = structuredClone(inv);
    const busStart = rt.pipeline.bus.published.length;
    Object.assign(ingest, { count: 0, ms: 0 });
    sqs.send = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        for (let i = w; i < n; i += concurrency) await post();
      }),
    );
    await settle(destinations * (n + 1));
    const delta = (f: keyof typeof inv) => ({
      count: inv[f].count - start[f].count,
      ms: Math.ceil(inv[f].ms - start[f].ms),
    });
    const sends = delta('deliveries-send');
    sqs.receive = sends.count;
    sqs.delete = sends.count;
    return {
      dynamo: new Map(meter.usage),
      indexWrites: new Map(meter.indexWrites),
      lambda: { [INGEST]: ingest, 'events-process': delta('events-process'), 'deliveries-send': sends },
      sqs,
      busEntries: rt.pipeline.bus.published
        .slice(busStart)
        .reduce((s, e) => s + Math.max(1, Math.ceil(busEntrySize(e) / 65_536)), 0),
    };
  } finally {
    await rt.close();
    await meter.close();
    receiver.close();
    await secrets.remove();
  }
}

interface Bill {
  lines: [string, number][];
  total: number;
}

/** $ per event for the functions in `fns` (and, end to end, the queue and bus). */
function bill(run: Run, fns: string[], endToEnd: boolean, gateway = true): Bill {
  const lines: [string, number][] = gateway ? [['API Gateway HTTP API', PRICES.apiGatewayHttpRequest]] : [];
  let wru = 0;
  let rru = 0;
  for (const [k, u] of run.dynamo)
    if (fns.includes(k.split(' ')[0]!)) {
      wru += u.wru;
      rru += u.rru;
    }
  for (const fn of fns) {
    const l = run.lambda[fn]!;
    const gbS = ((l.count * ASSUMED_MS[fn]!) / 1000) * (FUNCTION_SETTINGS[fn]!.memoryMb / 1024);
    lines.push([
      `Lambda ${fn} (requests + GB-s)`,
      (l.count * PRICES.lambdaRequest + gbS * PRICES.lambdaGbSecondArm64) / N,
    ]);
  }
  lines.push(['DynamoDB WRU', (wru / N) * PRICES.dynamoWru], ['DynamoDB RRU', (rru / N) * PRICES.dynamoRru]);
  if (endToEnd) {
    const { send, receive, delete: del } = run.sqs;
    lines.push(['SQS', ((send + receive + del) / N) * PRICES.sqsRequest]);
    lines.push(['EventBridge', (run.busEntries / N) * PRICES.eventBridgeEntry]);
  }
  return { lines, total: lines.reduce((s, [, v]) => s + v, 0) };
}

const perEvent = (x: number) => x / N;

function figures(label: string, run: Run, fns: string[], b: Bill): BenchResult[] {
  const out: BenchResult[] = [];
  let calls = 0;
  let wru = 0;
  let rru = 0;
  for (const [k, u] of [...run.dynamo].sort()) {
    if (!fns.includes(k.split(' ')[0]!)) continue;
    calls += u.calls;
    wru += u.wru;
    rru += u.rru;
    out.push({
      name: `${label}: ${k} calls (WRU, RRU) per event`,
      value: perEvent(u.calls),
      unit: `calls (${perEvent(u.wru).toFixed(2)} WRU, ${perEvent(u.rru).toFixed(2)} RRU)`,
    });
  }
  out.push(
    { name: `${label}: DynamoDB calls per event`, value: perEvent(calls), unit: 'calls' },
    { name: `${label}: WRU per event`, value: perEvent(wru), unit: 'WRU' },
    { name: `${label}: RRU per event`, value: perEvent(rru), unit: 'RRU' },
  );
  for (const fn of fns) {
    const l = run.lambda[fn]!;
    out.push({
      name: `${label}: ${fn} invocations per event (billed as ${ASSUMED_MS[fn]} ms; local mean)`,
      value: perEvent(l.count),
      unit: `invocations (${(l.ms / Math.max(1, l.count)).toFixed(1)} ms)`,
    });
  }
  if (fns.length > 1) {
    const { send, receive, delete: del } = run.sqs;
    out.push(
      {
        name: `${label}: SQS requests per event (send, receive, delete)`,
        value: perEvent(send + receive + del),
        unit: `requests (${perEvent(send).toFixed(2)}, ${perEvent(receive).toFixed(2)}, ${perEvent(del).toFixed(2)})`,
      },
      { name: `${label}: EventBridge entries per event`, value: perEvent(run.busEntries), unit: 'entries' },
    );
  }
  for (const [item, v] of b.lines)
    out.push({ name: `${label}: $ ${item}`, value: v * 1e6, unit: '$ per million' });
  return out;
}

/** Events of the hot-key run: one provider, one destination. */
const HOT_KEY_EVENTS = 500;

/**
 * The largest share of one index's writes that a single partition key took, per index: the hot
 * key test (goal: at most 1/8, whatever the traffic shape; here one provider and one destination).
 */
function hotKeys(run: Run): BenchResult[] {
  return [...run.indexWrites].map(([index, keys]) => {
    const total = [...keys.values()].reduce((a, b) => a + b, 0);
    const [key, most] = [...keys].reduce((a, b) => (b[1] > a[1] ? b : a));
    process.stdout.write(`hot keys: ${index}: ${keys.size} partition keys, ${total} writes, top ${key}\n`);
    return {
      name: `hot keys (${HOT_KEY_EVENTS} events, 1 provider, 1 destination): ${index} top partition share`,
      value: (100 * most) / total,
      unit: '%',
      goal: '<= 12.5%',
      pass: most / total <= 1 / 8,
    };
  });
}

/** Posts in flight in the loaded run: enough to fill the stream's and the queue's batches of 10. */
const LOADED = 10;

const goal = (name: string, value: number, unit: string, max: number, shown: string): BenchResult => ({
  name,
  value,
  unit,
  goal: `<= ${shown}`,
  pass: value <= max,
});

const callsPerEvent = (run: Run): number =>
  perEvent([...run.dynamo.values()].reduce((sum, u) => sum + u.calls, 0));

const wruPerEvent = (run: Run): number =>
  perEvent([...run.dynamo.values()].reduce((sum, u) => sum + u.wru, 0));

/** The bus-off run's DynamoDB calls, WRU and $ per million, each beside the bus-on run's (ratio off/on). */
function busOff(label: string, on: { run: Run; bill: Bill }, off: { run: Run; bill: Bill }): BenchResult[] {
  const beside = (name: string, unit: string, f: (x: { run: Run; bill: Bill }) => number): BenchResult => ({
    name: `bus off, ${label}: ${name}`,
    value: f(off),
    unit,
    baseline: { name: 'bus on', value: f(on) },
    ratio: f(off) / f(on),
  });
  return [
    beside('DynamoDB calls per event', 'calls', (x) => callsPerEvent(x.run)),
    beside('WRU per event', 'WRU', (x) => wruPerEvent(x.run)),
    beside('EventBridge entries per event', 'entries', (x) => perEvent(x.run.busEntries)),
    beside('e2e $ per million', '$', (x) => x.bill.total * 1e6),
  ];
}

export default async function (): Promise<BenchResult[]> {
  const one = await measure(1);
  const loaded = await measure(1, N, LOADED);
  const three = await measure(3);
  const hot = await measure(1, HOT_KEY_EVENTS);
  const oneOff = await measure(1, N, 1, 'off');
  const loadedOff = await measure(1, N, LOADED, 'off');
  const all = [INGEST, 'events-process', 'deliveries-send'];
  const ingest = bill(one, [INGEST], false);
  const ingestUrl = bill(one, [INGEST], false, false);
  const e2e1 = bill(one, all, true);
  const e2eLoaded = bill(loaded, all, true);
  const e2e3 = bill(three, all, true);
  const e2e1Off = bill(oneOff, all, true);
  const e2eLoadedOff = bill(loadedOff, all, true);
  process.stdout.write(
    `prices: ${PRICES.asOf}; ${N} Stripe events of ${BODY_BYTES} B; Lambda GB-s at assumed durations (ASSUMED_MS)\n`,
  );
  const perMillion = (b: Bill) => b.total * 1e6;
  return [
    ...figures('ingest', one, [INGEST], ingest),
    ...figures('e2e 1 dest', one, all, e2e1),
    ...figures(`e2e 1 dest, ${LOADED} in flight`, loaded, all, e2eLoaded),
    ...figures('e2e 3 dest', three, all, e2e3),
    ...figures('e2e 1 dest, bus off', oneOff, all, e2e1Off),
    ...figures(`e2e 1 dest, ${LOADED} in flight, bus off`, loadedOff, all, e2eLoadedOff),
    goal(
      'e2e 1 destination DynamoDB calls per delivered event, one at a time',
      callsPerEvent(one),
      'calls',
      6,
      '6',
    ),
    goal(
      `e2e 1 destination DynamoDB calls per delivered event, ${LOADED} in flight`,
      callsPerEvent(loaded),
      'calls',
      6,
      '6',
    ),
    goal('ingest $ per million (API Gateway)', perMillion(ingest), '$', 2.5, '$2.50'),
    { name: 'ingest $ per million (Function URL, no API Gateway)', value: perMillion(ingestUrl), unit: '$' },
    goal('e2e 1 destination $ per million, one at a time', perMillion(e2e1), '$', 5, '$5.00'),
    goal(`e2e 1 destination $ per million, ${LOADED} in flight`, perMillion(e2eLoaded), '$', 5, '$5.00'),
    { name: 'e2e 3 destinations $ per million', value: perMillion(e2e3), unit: '$' },
    ...busOff('1 dest, one at a time', { run: one, bill: e2e1 }, { run: oneOff, bill: e2e1Off }),
    ...busOff(
      `1 dest, ${LOADED} in flight`,
      { run: loaded, bill: e2eLoaded },
      { run: loadedOff, bill: e2eLoadedOff },
    ),
    ...hotKeys(hot),
  ];
}

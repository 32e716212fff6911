/**
 * Handler floor (issue 13): the shipped `webhooks-receive` bundle (built as the stack builds it)
 * against a bare handler doing the floor of the same work (./bare-webhook-entry.ts): the Stripe
 * header parse, node:crypto HMAC-SHA256 and constant-time compare, JSON.parse, sha256 and gzip of
 * the body, and one conditional PutItem of the same item through the low-level client, the item
 * built by hand. Both get API Gateway payload v2.0 events, as Lambda invokes them.
 *
 * Each side runs one bundle in a fresh `node` process (./floor-driver.ts), as a Lambda sandbox
 * holds one function: no shared heap, GC, socket pool or JIT state, and the CPU counted
 * (process.cpuUsage in that process, over its timed calls only, after WARM_UP untimed ones) is
 * that handler's alone. Both write to one dynalite in a child process of its own, so its CPU is
 * not counted; with taskset, dynalite and the handler run on separate CPUs, so a put waking
 * dynalite does not preempt the handler mid-call. Ours reads its secret from a Secrets Manager
 * stand-in, once, then from its cache, as in the stack (the local file backend re-reads its file
 * per request). PAIRS pairs, each two fresh processes (alternating which starts) taking turns
 * over CHUNKS timed chunks of CALLS unique events in all, CONCURRENCY in flight; one side runs
 * while the other waits idle, so a burst of load on the shared machine lands on both alike.
 * Goals on the median pair, ranges printed: >= 0.9x the bare calls/s, <= 1.15x its CPU
 * per call. Checked after the pairs, so neither side can win by doing less: every 200 stored
 * exactly one item (the table's count), and one stored item of each has the same attribute names
 * (headers included) and a size (dynamodb-sizing.ts) within a few bytes.
 * `FLOOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=.bench/prof"` profiles each phase's process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type AttributeValue, DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { toEvent } from '../../infra/local/gateway.js';
import { createTable } from '../../infra/local/table.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { EVENT } from '../../shared/adapters/dynamodb/keys.js';
import { eventIdFor } from '../../shared/events/record.js';
import { itemSize, type Item as SizedItem } from '../support/dynamodb-sizing.js';
import { bundle } from './coldstart.bench.js';
import { ROOT } from './lib.js';
import type { BenchResult } from './run.js';

const PAIRS = Number(process.env.FLOOR_PAIRS ?? 5);
const WARM_UP = 1500;
const CALLS = 1500;
/** Timed chunks per side and pair, taking turns. */
const CHUNKS = 10;
const CONCURRENCY = 10;
/** Two items of the same shape differ by a few bytes: the gzip of different bodies, number widths. */
const SIZE_SLACK = 16;
const SECRET = 'whsec_bench_floor_0123456789abcdef';
const TABLE_NAME = 'floor';
/** Extra `node` flags for the phase processes, e.g. `--cpu-prof --cpu-prof-dir=.bench/prof` to profile each phase. */
const NODE_ARGS = (process.env.FLOOR_NODE_ARGS ?? '').split(' ').filter(Boolean);

const ROUTE = { routeKey: 'POST /webhooks/{provider}', pathParameters: { provider: 'stripe' } };

let seq = 0;
/** A unique 2 KB Stripe event, signed, as API Gateway hands it to the function; its provider id too. */
function signedEvent(): { event: APIGatewayProxyEventV2; eventId: string } {
  const n = ++seq;
  const doc = {
    id: `evt_floor_${n}_${process.pid}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `pi_${n}`, amount: 1000, currency: 'usd', description: '' } },
  };
  doc.data.object.description = 'abcdefghij'.repeat(200).slice(0, 2048 - JSON.stringify(doc).length);
  const body = JSON.stringify(doc);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex');
  const event = toEvent(
    {
      url: '/webhooks/stripe',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': `t=${t},v1=${v1}`,
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        host: 'hooks.local',
      },
      body: Buffer.from(body),
      sourceIp: '127.0.0.1',
      port: 443,
      host: 'hooks.local',
    },
    ROUTE,
  );
  return { event, eventId: doc.id };
}

interface Phase {
  callsPerSec: number;
  cpuUsPerCall: number;
}

interface Side {
  /** Answers the next `n` events timed; their calls, wall ms and this process's CPU µs. */
  chunk(n: number): Promise<{ calls: number; ms: number; cpuUs: number }>;
  close(): Promise<void>;
  /** The provider id of one event it stored. */
  eventId: string;
}

/**
 * A fresh `node` running `bundleFile` (./floor-driver.ts) over WARM_UP + CALLS fresh events (made
 * and written before it starts); resolves once it has answered its warm-up.
 */
async function startSide(
  bundleFile: string,
  tag: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  driver: string,
): Promise<Side> {
  const made = Array.from({ length: WARM_UP + CALLS }, signedEvent);
  const eventsFile = join(dir, `${tag}.json`);
  await writeFile(eventsFile, JSON.stringify(made.map((m) => m.event)));
  const args = [...NODE_ARGS, driver, bundleFile, eventsFile, String(WARM_UP), String(CONCURRENCY)];
  const child = spawn(...onCpu(HANDLER_CPU, args), { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const reply = async () => {
    for (;;) {
      const { value, done } = await replies.next();
      if (done) throw new Error(`floor driver for ${tag} exited ${await exited}`);
      if (!value.startsWith('@floor ')) continue;
      const r = JSON.parse(value.slice(7)) as { failed: number; calls: number; ms: number; cpuUs: number };
      if (r.failed) throw new Error(`${r.failed} calls to ${tag} did not answer 200`);
      return r;
    }
  };
  await reply();
  return {
    chunk: (n) => {
      child.stdin.write(`${n}\n`);
      return reply();
    },
    close: async () => {
      child.stdin.end();
      if ((await exited) !== 0) throw new Error(`floor driver for ${tag} failed`);
    },
    eventId: made.at(-1)!.eventId,
  };
}

interface Measured {
  side: Side;
  phase: Phase;
}

/**
 * One pair: both sides started and warmed, then CHUNKS timed chunks each, taking turns (one side
 * runs while the other waits idle), so a burst of load on the machine lands on both alike; the
 * side that starts also runs the first chunk.
 */
async function pair(
  start: { ours: () => Promise<Side>; bare: () => Promise<Side> },
  oursFirst: boolean,
): Promise<{ ours: Measured; bare: Measured }> {
  const names = oursFirst ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
  const sides = { [names[0]]: await start[names[0]](), [names[1]]: await start[names[1]]() } as {
    ours: Side;
    bare: Side;
  };
  const sums = { ours: { calls: 0, ms: 0, cpuUs: 0 }, bare: { calls: 0, ms: 0, cpuUs: 0 } };
  for (let c = 0; c < CHUNKS; c++) {
    for (const name of c % 2 ? [names[1], names[0]] : names) {
      const r = await sides[name].chunk(CALLS / CHUNKS);
      sums[name].calls += r.calls;
      sums[name].ms += r.ms;
      sums[name].cpuUs += r.cpuUs;
    }
  }
  await Promise.all([sides.ours.close(), sides.bare.close()]);
  const measured = (name: 'ours' | 'bare'): Measured => ({
    side: sides[name],
    phase: {
      callsPerSec: (sums[name].calls * 1000) / sums[name].ms,
      cpuUsPerCall: sums[name].cpuUs / sums[name].calls,
    },
  });
  return { ours: measured('ours'), bare: measured('bare') };
}

/** With taskset (Linux, 2+ CPUs): dynalite on one CPU, each handler on the other. */
const [DYNALITE_CPU, HANDLER_CPU] = [0, 1];
const PIN =
  availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

/** `node args`, on `cpu` when pinning: a put waking dynalite then never preempts the handler being measured. */
function onCpu(cpu: number, args: string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
}

async function startDynalite(): Promise<{ endpoint: string; stop: () => void }> {
  const script =
    "const d=require('dynalite')({createTableMs:0});d.listen(0,'127.0.0.1',()=>process.stdout.write(d.address().port+'\\n'))";
  const child = spawn(...onCpu(DYNALITE_CPU, ['-e', script]), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', () => reject(new Error('dynalite did not start')));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

/**
 * A Secrets Manager stand-in answering GetSecretValue with the source's secret, so our handler
 * reads it as the stack does: once, then from its cache (the file backend re-stats its file on
 * every request, which the stack never does).
 */
async function startSecretsManager(): Promise<{ endpoint: string; stop: () => void }> {
  const value = JSON.stringify({ secrets: [SECRET] });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      const found = SecretId === 'hookbridge/webhooks/stripe';
      res.writeHead(found ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          found
            ? { Name: SecretId, SecretString: value }
            : { __type: 'ResourceNotFoundException', message: 'not found' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}x`;

type RawItem = Record<string, AttributeValue>;

/** Every item in the table (both sides write only event items, one per 200). */
async function countItems(ddb: DynamoDBClient): Promise<number> {
  let stored = 0;
  let start: RawItem | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({ TableName: TABLE_NAME, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    stored += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return stored;
}

/** The stored event item of a provider event id, as DynamoDB JSON. */
async function storedItem(ddb: DynamoDBClient, eventId: string): Promise<RawItem> {
  const id = eventIdFor('stripe', 'default', eventId);
  const key = { pk: { S: EVENT.pk(id) }, sk: { S: EVENT.sk } };
  const out = await ddb.send(new GetItemCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }));
  if (!out.Item) throw new Error(`no item stored for ${eventId}`);
  return out.Item;
}

/** Top-level names and the headers map's names, sorted: the item's shape. */
const shape = (item: RawItem) =>
  [...Object.keys(item), ...Object.keys(item.headers?.M ?? {}).map((h) => `headers.${h}`)].sort().join(' ');

const sizeOf = (item: RawItem) => itemSize(item as unknown as SizedItem);

/** The bare handler stores what ours stores: the same names, sizes within SIZE_SLACK bytes. */
async function sameItems(ddb: DynamoDBClient, ours: string, bare: string): Promise<string> {
  const [a, b] = [await storedItem(ddb, ours), await storedItem(ddb, bare)];
  if (shape(a) !== shape(b)) throw new Error(`items differ:\n ours ${shape(a)}\n bare ${shape(b)}`);
  // Binary comes back as bytes, which itemSize measures as they are.
  const [sa, sb] = [sizeOf(a), sizeOf(b)];
  if (Math.abs(sa - sb) > SIZE_SLACK) throw new Error(`item sizes differ: ours ${sa} B, bare ${sb} B`);
  return `${Object.keys(a).length} attributes, ${sa} B vs bare ${sb} B`;
}

export default async function (): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'hb-floor-'));
  const db = await startDynalite();
  const sm = await startSecretsManager();
  const ddb = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: db.endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const docs = createDocumentClient({ region: 'us-east-1', endpoint: db.endpoint });
    await createTable(docs, TABLE_NAME);
    docs.destroy();
    const env = {
      ...process.env,
      HOOKBRIDGE_TABLE: TABLE_NAME,
      HOOKBRIDGE_DYNAMODB_ENDPOINT: db.endpoint,
      HOOKBRIDGE_SECRETS_BACKEND: 'secrets-manager',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      HOOKBRIDGE_LOG_LEVEL: 'warn',
      BENCH_FLOOR_SECRET: SECRET,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const driver = await bundle('_floor-driver', join(ROOT, 'test/bench/floor-driver.ts'));
    const ours = await bundle('webhooks-receive', join(ROOT, 'functions/webhooks-receive/index.ts'));
    const bare = await bundle('_bare-webhook', join(ROOT, 'test/bench/bare-webhook-entry.ts'));
    const start = (file: string, tag: string) => () => startSide(file, tag, dir, env, driver);
    const rps: number[] = [];
    const cpu: number[] = [];
    const phases: { ours: Phase; bare: Phase }[] = [];
    let last: { ours: Measured; bare: Measured } | undefined;
    for (let i = 0; i < PAIRS; i++) {
      // Alternate which side starts (and runs the first chunk), so drift hits both alike.
      last = await pair({ ours: start(ours, `ours-${i}`), bare: start(bare, `bare-${i}`) }, i % 2 === 1);
      const [own, base] = [last.ours.phase, last.bare.phase];
      phases.push({ ours: own, bare: base });
      rps.push(own.callsPerSec / base.callsPerSec);
      cpu.push(own.cpuUsPerCall / base.cpuUsPerCall);
      process.stdout.write(
        `pair ${i + 1}: calls/s ${own.callsPerSec.toFixed(0)} vs bare ${base.callsPerSec.toFixed(0)}, CPU µs/call ${own.cpuUsPerCall.toFixed(0)} vs bare ${base.cpuUsPerCall.toFixed(0)}\n`,
      );
    }
    const abs = (f: (p: { ours: Phase; bare: Phase }) => number) => median(phases.map(f)).toFixed(0);
    process.stdout.write(
      `medians: calls/s ${abs((p) => p.ours.callsPerSec)} vs bare ${abs((p) => p.bare.callsPerSec)}, CPU µs/call ${abs((p) => p.ours.cpuUsPerCall)} vs bare ${abs((p) => p.bare.cpuUsPerCall)}${PIN ? '' : ' (not pinned: no taskset)'}\n`,
    );
    // Both stored every event they answered 200 for (so neither skipped its write), and the same item.
    const stored = await countItems(ddb);
    if (stored !== seq) throw new Error(`${stored} events stored of ${seq} answered`);
    if (last)
      process.stdout.write(
        `stored items: ${await sameItems(ddb, last.ours.side.eventId, last.bare.side.eventId)}\n`,
      );
    return [
      {
        name: `webhooks-receive bundle calls/s vs bare handler (median of ${PAIRS} pairs; range ${range(rps)})`,
        value: median(rps),
        unit: 'x',
        goal: '>= 0.9x',
        pass: median(rps) >= 0.9,
      },
      {
        name: `webhooks-receive bundle CPU per call vs bare handler (median of ${PAIRS} pairs; range ${range(cpu)})`,
        value: median(cpu),
        unit: 'x',
        goal: '<= 1.15x',
        pass: median(cpu) <= 1.15,
      },
    ];
  } finally {
    ddb.destroy();
    db.stop();
    sm.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

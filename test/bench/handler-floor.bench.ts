/**
 * Handler floor (issue 13): the shipped `webhooks-receive` bundle (built as the stack builds it),
 * invoked in process as Lambda invokes it (API Gateway payload v2.0 events), against a bare
 * handler doing the floor of the same work: the Stripe header parse, node:crypto HMAC-SHA256 and
 * constant-time compare, JSON.parse, and one conditional PutItem of the same item (its one index
 * key, the gzipped body, the headers) through the same SDK, bundled the same way
 * (./bare-webhook-entry.ts). Both write to one dynalite running in
 * a child process, so its CPU is not counted. PAIRS pairs, alternating which runs first, CALLS
 * unique events each, CONCURRENCY in flight; per pair calls/s and CPU per call (process.cpuUsage);
 * goals on the median pair, ranges printed: >= 0.9x the bare calls/s, <= 1.15x its CPU per call.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { toEvent } from '../../infra/local/gateway.js';
import { createTable } from '../../infra/local/table.js';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client.js';
import { bundle } from './coldstart.bench.js';
import { ROOT } from './lib.js';
import type { BenchResult } from './run.js';

const PAIRS = Number(process.env.FLOOR_PAIRS ?? 5);
const CALLS = 600;
const CONCURRENCY = 10;
const SECRET = 'whsec_bench_floor_0123456789abcdef';
const TABLE_NAME = 'floor';

const ROUTE = { routeKey: 'POST /webhooks/{provider}', pathParameters: { provider: 'stripe' } };

type Handler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<{ statusCode?: number }>;

let seq = 0;
/** A unique 2 KB Stripe event, signed, as API Gateway hands it to the function. */
function signedEvent(): APIGatewayProxyEventV2 {
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
  return toEvent(
    {
      url: '/webhooks/stripe',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': `t=${t},v1=${v1}`,
        host: 'hooks.local',
      },
      body: Buffer.from(body),
      sourceIp: '127.0.0.1',
      port: 443,
      host: 'hooks.local',
    },
    ROUTE,
  );
}

interface Phase {
  callsPerSec: number;
  cpuUsPerCall: number;
}

/** CALLS fresh events through `handler`, CONCURRENCY at a time; events are made before timing starts. */
async function phase(handler: Handler): Promise<Phase> {
  const events = Array.from({ length: CALLS }, signedEvent);
  let next = 0;
  let failed = 0;
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < events.length) {
        const res = await handler(events[next++]!, {});
        if (res.statusCode !== 200) failed++;
      }
    }),
  );
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  if (failed) throw new Error(`${failed} calls did not answer 200`);
  return { callsPerSec: (CALLS * 1000) / ms, cpuUsPerCall: (used.user + used.system) / CALLS };
}

async function startDynalite(): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const d=require('dynalite')({createTableMs:0});d.listen(0,'127.0.0.1',()=>process.stdout.write(d.address().port+'\\n'))",
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', () => reject(new Error('dynalite did not start')));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}x`;

export default async function (): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'hb-floor-'));
  const db = await startDynalite();
  const ddb = createDocumentClient({ region: 'us-east-1', endpoint: db.endpoint });
  try {
    await createTable(ddb, TABLE_NAME);
    const secretsFile = join(dir, 'secrets.json');
    await writeFile(secretsFile, JSON.stringify({ 'hookbridge/webhooks/stripe': { secrets: [SECRET] } }));
    Object.assign(process.env, {
      HOOKBRIDGE_TABLE: TABLE_NAME,
      HOOKBRIDGE_DYNAMODB_ENDPOINT: db.endpoint,
      HOOKBRIDGE_SECRETS_BACKEND: 'file',
      HOOKBRIDGE_SECRETS_FILE: secretsFile,
      HOOKBRIDGE_LOG_LEVEL: 'warn',
      BENCH_FLOOR_SECRET: SECRET,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    });
    const file = await bundle('webhooks-receive', join(ROOT, 'functions/webhooks-receive/index.ts'));
    const ours = ((await import(file)) as { handler: Handler }).handler;
    const bareFile = await bundle('_bare-webhook', join(ROOT, 'test/bench/bare-webhook-entry.ts'));
    const bare = ((await import(bareFile)) as { handler: Handler }).handler;
    // Warm both (clients, secrets, JIT) and dynalite, which speeds up over its first thousands of puts.
    for (let i = 0; i < 3; i++) {
      await phase(bare);
      await phase(ours);
    }
    const rps: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      // Alternate which of the pair runs first, so drift in the machine's load hits both alike.
      const o = i % 2 ? await phase(ours) : undefined;
      const base = await phase(bare);
      const own = o ?? (await phase(ours));
      rps.push(own.callsPerSec / base.callsPerSec);
      cpu.push(own.cpuUsPerCall / base.cpuUsPerCall);
      process.stdout.write(
        `pair ${i + 1}: calls/s ${own.callsPerSec.toFixed(0)} vs bare ${base.callsPerSec.toFixed(0)}, CPU µs/call ${own.cpuUsPerCall.toFixed(0)} vs bare ${base.cpuUsPerCall.toFixed(0)}\n`,
      );
    }
    // Both stored every event they answered 200 for (so neither skipped its write).
    let stored = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(
        new ScanCommand({ TableName: TABLE_NAME, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      stored += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    if (stored !== seq) throw new Error(`${stored} events stored of ${seq} answered`);
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
    await rm(dir, { recursive: true, force: true });
  }
}

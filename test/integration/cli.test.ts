/**
 * `hookbridge` (infra/cli) against the local runtime, spawned as a user runs it (bounded): every
 * fixture of every payment provider is stored and normalised as its provider documents;
 * `listen --forward-to` forwards to a receiver that verifies with the printed secret (the
 * `standardwebhooks` library), retries a 5xx, and resumes after Ctrl-C without losing or
 * re-forwarding; the same against a second runtime standing in for a deployed one (`--url`);
 * errors are one line with the documented exit codes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFixtures } from '../../infra/cli/fixtures.js';
import { resolveTarget } from '../../infra/cli/target.js';
import { type Sent, trigger } from '../../infra/cli/trigger.js';
import { runtimeInfoOf, writeRuntimeFile } from '../../infra/local/runtime-file.js';
import { type LocalRuntime, REPO_ROOT, startLocal } from '../../infra/local/server.js';
import { DEFINITIONS } from '../../shared/webhooks/providers/definitions.gen.js';
import { apiCaller, type JsonBody } from '../support/api.js';
import { tempDir } from '../support/local-runtime.js';

const REMOTE_KEY = 'test-remote-key-0123456789';
/** As npm start runs: PayPal's local stand-in certificate is served on loopback. */
const LOOPBACK = { HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true' };
let dir: string;
let removeDir: () => Promise<void>;
let rt: LocalRuntime;
let remote: LocalRuntime;
let runtimeFile: string;
let receiver: Server;
let receiverUrl: string;
/** How the receiver answers next (one status per request; 204 when empty). */
const answers: number[] = [];
const received: { id: string; type: string; verified: boolean; status: number }[] = [];
let verifyWith = '';
const shots: Record<string, string> = {};

const api = apiCaller(() => rt.url, '');
const localKey = async () =>
  JSON.parse(await readFile(rt.secretsFile, 'utf8'))['hookbridge/admin'].apiKey as string;
const call = async (method: string, path: string, body?: unknown) =>
  api(method, path, body, await localKey());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cliEnv = (env: Record<string, string> = {}) => ({
  ...process.env,
  HOOKBRIDGE_API_KEY: '',
  HOOKBRIDGE_URL: '',
  HOOKBRIDGE_RUNTIME_FILE: runtimeFile,
  XDG_CONFIG_HOME: join(dir, 'config'),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ...env,
});

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['infra/cli/bin.mjs', ...args], {
    cwd: REPO_ROOT,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => {
    out.stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out.stderr += c.toString();
  });
  const done = new Promise<Run>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hookbridge ${args.join(' ')} did not finish: ${out.stdout}${out.stderr}`));
    }, 40_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, ...out });
    });
  });
  return { child, out, done };
}

/** Runs `hookbridge <args>` to its end (bounded). */
const cli = (args: string[], env?: Record<string, string>) => start(args, env).done;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One line on stderr, `error: …`, naming `cause`; the exit code; no stack trace, no secret. */
async function expectError(r: Run, code: number, cause: RegExp) {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toMatch(cause);
  expect(r.stderr).not.toMatch(/\n\s+at |\.ts:\d+|whsec_|hb_dev_/);
  expect(r.stderr).not.toContain(await localKey());
}

beforeAll(async () => {
  ({ dir, remove: removeDir } = await tempDir('hb-cli-'));
  runtimeFile = join(dir, 'runtime.json');
  process.env.HOOKBRIDGE_RUNTIME_FILE = runtimeFile;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let verified = false;
      let type = '';
      try {
        const body = new Webhook(verifyWith).verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        ) as { type: string };
        verified = true;
        type = body.type;
      } catch {}
      const status = verified ? (answers.shift() ?? 204) : 401;
      received.push({ id: String(req.headers['webhook-id']), type, verified, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  // apiKey '' : the CLI must find the local runtime's key in its secrets file, as with npm start.
  [rt, remote] = await Promise.all([
    startLocal({ port: 0, secretsFile: join(dir, 'local-secrets.json'), apiKey: '', env: LOOPBACK }),
    startLocal({ port: 0, secretsFile: join(dir, 'remote-secrets.json'), apiKey: REMOTE_KEY, env: LOOPBACK }),
  ]);
  await writeRuntimeFile(runtimeFile, runtimeInfoOf(rt));
}, 40_000);

afterAll(async () => {
  delete process.env.HOOKBRIDGE_RUNTIME_FILE;
  await Promise.all([rt?.close(), remote?.close()]);
  await new Promise((r) => receiver?.close(r));
  await removeDir?.();
  const to = process.env.HOOKBRIDGE_CLI_SHOTS;
  if (to) {
    await mkdir(to, { recursive: true });
    for (const [name, text] of Object.entries(shots)) await writeFile(join(to, `cli-${name}.txt`), text);
  }
});

/** What each fixture normalises to, as its provider's docs describe the event (one per part). */
type Expect = [type: string, status?: string, amount?: number, currency?: string];
const EXPECTED: Record<string, Expect | Expect[]> = {
  'stripe/payment_intent.created': ['stripe.raw'],
  'stripe/payment_intent.succeeded': ['payment.succeeded', 'succeeded', 2000, 'USD'],
  'stripe/payment_intent.payment_failed': ['payment.failed', 'requires_payment_method', 2000, 'USD'],
  'stripe/charge.succeeded': ['stripe.raw'],
  'stripe/charge.refunded': ['payment.refunded', 'refunded', 2000, 'USD'],
  'stripe/charge.refunded-partial': ['payment.refunded', 'partially_refunded', 500, 'USD'],
  'stripe/checkout.session.completed': ['checkout.completed', 'complete', 2000, 'USD'],
  'stripe/invoice.paid': ['invoice.paid', 'paid', 1500, 'USD'],
  'stripe/invoice.payment_failed': ['invoice.payment_failed', 'open', 1500, 'USD'],
  'stripe/customer.subscription.created': ['subscription.created', 'active', 1500, 'USD'],
  'stripe/customer.subscription.updated': ['subscription.cancel_scheduled', 'active', 1500, 'USD'],
  'stripe/customer.subscription.deleted': ['subscription.canceled', 'canceled', 1500, 'USD'],
  'stripe/charge.dispute.created': ['dispute.opened', 'needs_response', 2000, 'USD'],
  'stripe/charge.dispute.closed': ['dispute.closed', 'lost', 2000, 'USD'],
  'paddle/transaction.completed': ['payment.succeeded', 'completed', 3000, 'USD'],
  'paddle/transaction.payment_failed': ['payment.failed', 'past_due', 3000, 'USD'],
  'paddle/adjustment.updated': [
    ['refund.succeeded', 'approved', 3000, 'USD'],
    ['payment.refunded', 'refunded', 3000, 'USD'],
  ],
  'paddle/subscription.created': ['subscription.created', 'active', 3000, 'USD'],
  'paddle/subscription.canceled': ['subscription.canceled', 'canceled', 3000, 'USD'],
  'paypal/PAYMENT.CAPTURE.COMPLETED': ['payment.succeeded', 'COMPLETED', 2000, 'USD'],
  'paypal/PAYMENT.CAPTURE.DENIED': ['payment.failed', 'DECLINED', 2000, 'USD'],
  'paypal/PAYMENT.CAPTURE.REFUNDED': [
    ['refund.succeeded', 'COMPLETED', 2000, 'USD'],
    ['payment.refunded', undefined, 2000, 'USD'],
  ],
  'paypal/BILLING.SUBSCRIPTION.CREATED': ['subscription.created', 'APPROVAL_PENDING'],
  'paypal/BILLING.SUBSCRIPTION.CANCELLED': ['subscription.canceled', 'CANCELLED', 1500, 'USD'],
  'paypal/CUSTOMER.DISPUTE.CREATED': ['dispute.opened', 'OPEN', 2000, 'USD'],
  'adyen/AUTHORISATION': ['payment.authorized', 'AUTHORISATION', 2000, 'EUR'],
  'adyen/AUTHORISATION-refused': ['payment.failed', 'AUTHORISATION_FAILED', 2000, 'EUR'],
  'adyen/REFUND': [
    ['refund.succeeded', 'REFUND', 2000, 'EUR'],
    ['payment.refunded', undefined, 2000, 'EUR'],
  ],
  'adyen/NOTIFICATION_OF_CHARGEBACK': ['dispute.opened', 'NOTIFICATION_OF_CHARGEBACK', 2000, 'EUR'],
  'braintree/transaction_settled': ['payment.succeeded', 'settled', 2000, 'USD'],
  'braintree/subscription_went_active': ['subscription.created', 'Active'],
  'braintree/subscription_charged_successfully': ['invoice.paid', 'submitted_for_settlement', 1500, 'USD'],
  'braintree/subscription_canceled': ['subscription.canceled', 'Canceled'],
  'braintree/dispute_opened': ['dispute.opened', 'open', 2000, 'USD'],
  'square/payment.updated': ['payment.succeeded', 'COMPLETED', 2000, 'USD'],
  'square/refund.updated': ['refund.succeeded', 'COMPLETED', 500, 'USD'],
  'square/subscription.created': ['subscription.created', 'ACTIVE'],
  'square/invoice.payment_made': ['invoice.paid', 'PAID', 1500, 'USD'],
  'square/dispute.created': ['dispute.opened', 'EVIDENCE_REQUIRED', 2000, 'USD'],
  'razorpay/payment.captured': ['payment.succeeded', 'captured', 50000, 'INR'],
  'razorpay/payment.failed': ['payment.failed', 'failed', 50000, 'INR'],
  'razorpay/refund.processed': [
    ['refund.succeeded', 'processed', 50000, 'INR'],
    ['payment.refunded', 'refunded', 50000, 'INR'],
  ],
  'razorpay/order.paid': ['checkout.completed', 'paid', 50000, 'INR'],
  'razorpay/subscription.activated': ['subscription.updated', 'active'],
  'lemonsqueezy/order_created': ['payment.succeeded', 'paid', 999, 'USD'],
  'lemonsqueezy/order_refunded': ['payment.refunded', 'refunded'],
  'lemonsqueezy/subscription_created': ['subscription.created', 'active'],
  'lemonsqueezy/subscription_payment_success': ['invoice.paid', 'paid', 999, 'USD'],
};

/** Every message of a pull destination after `after`, until `count` have come. */
async function pullAll(id: string, count: number): Promise<JsonBody[]> {
  const items: JsonBody[] = [];
  let after = '';
  const key = await localKey();
  await until(
    `${count} messages on ${id}`,
    async () => {
      const r = await api(
        'GET',
        `/destinations/${id}/messages?limit=100&wait=2${after && `&after=${after}`}`,
        undefined,
        key,
      );
      expect(r.status).toBe(200);
      items.push(...r.json!.items);
      after = r.json!.next;
      return items.length >= count;
    },
    40_000,
  );
  return items;
}

describe('hookbridge trigger', () => {
  it('--list stripe lists at least 12 events; every payment provider has at least 3', async () => {
    const r = await cli(['trigger', '--list', 'stripe']);
    shots['trigger-list-stripe'] = r.stdout;
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PROVIDER\s+EVENT$/);
    expect(lines.slice(1).every((l) => /^stripe\s+\S+$/.test(l))).toBe(true);
    expect(lines.length - 1).toBeGreaterThanOrEqual(12);
    for (const d of DEFINITIONS.filter((p) => p.map))
      expect(listFixtures(d.slug).length, d.slug).toBeGreaterThanOrEqual(3);
    expect(Object.keys(EXPECTED).sort()).toEqual(
      listFixtures()
        .map((f) => `${f.provider}/${f.event}`)
        .sort(),
    );
  });

  it('every fixture of every provider is stored and normalised as its provider documents', async () => {
    expect((await call('PUT', '/destinations/norm', { type: 'pull' })).status).toBe(201);
    const target = resolveTarget({});
    const sent: Sent[] = [];
    const fixtures = listFixtures();
    for (let i = 0; i < fixtures.length; i += 6)
      sent.push(...(await Promise.all(fixtures.slice(i, i + 6).map((f) => trigger({ target }, f)))));
    for (const s of sent) {
      expect([s.status, s.outcome], `${s.provider}/${s.event} ${s.answer}`).toEqual([200, 'stored']);
      const stored = await call('GET', `/events/${s.id}`);
      expect([stored.status, stored.json!.provider], `${s.provider}/${s.event}`).toEqual([200, s.provider]);
    }
    const partsOf = (s: Sent) => {
      const e = EXPECTED[`${s.provider}/${s.event}`]!;
      return (Array.isArray(e[0]) ? e : [e]) as Expect[];
    };
    const total = sent.reduce((n, s) => n + partsOf(s).length, 0);
    const messages = await pullAll('norm', total);
    expect(messages).toHaveLength(total);
    const byEvent = new Map<string, JsonBody[]>();
    for (const m of messages)
      byEvent.set(m.data.raw.eventId, [...(byEvent.get(m.data.raw.eventId) ?? []), m]);
    for (const s of sent) {
      const got = (byEvent.get(s.id!) ?? [])
        .sort((a, b) => a.webhookId.length - b.webhookId.length || a.webhookId.localeCompare(b.webhookId))
        .map((m) => ({ type: m.type, status: m.data.status, amount: m.data.amount }));
      const want = partsOf(s).map(([type, status, amount, currency]) => ({
        type,
        status,
        amount: amount === undefined ? undefined : { amount, currency },
      }));
      expect(got, `${s.provider}/${s.event}`).toEqual(want);
    }
    // The read route agrees for a refunded Stripe payment.
    const refunded = sent.find((s) => s.event === 'charge.refunded')!;
    const pi = byEvent.get(refunded.id!)![0]!.data.object.id;
    const state = await call('GET', `/payments/${pi}?provider=stripe`);
    expect(state.json).toMatchObject({ status: 'refunded', amount: { amount: 2000, currency: 'USD' } });
    await call('DELETE', '/destinations/norm');
  }, 60_000);

  it('--scenario duplicate-burst stores one and answers duplicate for the rest; out-of-order-subscription ends canceled', async () => {
    const [burst, order] = await Promise.all([
      cli(['trigger', '--scenario', 'duplicate-burst', '--count', '5', '--json']),
      cli(['trigger', '--scenario', 'out-of-order-subscription']),
    ]);
    shots['trigger-scenarios'] = `$ hookbridge trigger --scenario out-of-order-subscription\n${order.stdout}`;
    expect(burst.code).toBe(0);
    const answers = JSON.parse(burst.stdout) as Sent[];
    expect(answers.map((a) => a.outcome).sort()).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
      'stored',
    ]);
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(order.code).toBe(0);
    const lines = order.stdout.trimEnd().split('\n');
    expect(lines.map((l) => / stripe (\S+) /.exec(l)?.[1])).toEqual([
      'customer.subscription.updated',
      'customer.subscription.created',
      'customer.subscription.deleted',
      'customer.subscription.updated',
    ]);
    const firstId = /id (evt_\w+)/.exec(lines[0]!)![1]!;
    const body = JSON.parse((await call('GET', `/events/${firstId}`)).json!.body);
    const sub = await until('the subscription read model', async () => {
      const r = await call('GET', `/subscriptions/${body.data.object.id}?provider=stripe`);
      return r.status === 200 && r.json!.lastType === 'subscription.canceled' ? r.json : undefined;
    });
    expect(sub).toMatchObject({ status: 'canceled', lastType: 'subscription.canceled' });
    await rt.pipeline.idle();
    const again = await call('GET', `/subscriptions/${body.data.object.id}?provider=stripe`);
    expect(again.json).toMatchObject({ status: 'canceled', lastEventId: sub.lastEventId });
  }, 60_000);
});

/** Starts `listen`, waits for its secret line; the receiver verifies with that secret. */
async function startListen(args: string[], env?: Record<string, string>) {
  const l = start(['listen', '--forward-to', receiverUrl, ...args], env);
  verifyWith = (await until(
    'the signing secret line',
    () => /(?:Signing secret: |"secret":")(whsec_[^\s"]+)/.exec(l.out.stdout)?.[1],
  ))!;
  await new Promise((r) => setTimeout(r, 300));
  return l;
}

async function stop(l: { child: ChildProcess; done: Promise<Run> }) {
  l.child.kill('SIGINT');
  return l.done;
}

const LINE = /^\d\d:\d\d:\d\d {2}(\S+) {2}(\S+) {2}-> (\S+) {2}\d+ms(?: {2}\((.+)\))?$/;

describe('the installed package', () => {
  it('runs from the prebuilt bundle with no TypeScript loader and no node_modules', async () => {
    const pkg = join(dir, 'pkg', 'infra', 'cli');
    await mkdir(join(pkg, 'dist'), { recursive: true });
    await build({
      entryPoints: [join(REPO_ROOT, 'infra/cli/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(pkg, 'dist', 'hookbridge.mjs'),
      banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
      logLevel: 'silent',
    });
    await cp(join(REPO_ROOT, 'infra/cli/bin.mjs'), join(pkg, 'bin.mjs'));
    await cp(join(REPO_ROOT, 'infra/cli/fixtures'), join(pkg, 'fixtures'), { recursive: true });
    const run = (args: string[]) =>
      new Promise<Run>((resolve) => {
        const child = spawn(process.execPath, [join(pkg, 'bin.mjs'), ...args], { cwd: dir, env: cliEnv() });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
        });
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const [list, sent] = await Promise.all([
      run(['trigger', '--list', 'square']),
      run(['trigger', 'square', 'payment.updated', '--json']),
    ]);
    expect(list.stdout.trimEnd().split('\n').slice(1)).toHaveLength(listFixtures('square').length);
    expect([sent.code, JSON.parse(sent.stdout)]).toEqual([
      0,
      expect.objectContaining({ status: 200, outcome: 'stored' }),
    ]);
  }, 30_000);
});

describe('hookbridge listen', () => {
  it('forwards signed with the printed secret, retries a 5xx, and resumes after Ctrl-C without losing or re-forwarding', async () => {
    received.length = 0;
    const l1 = await startListen(['--id', 'dev-laptop', '--types', 'payment.*']);
    expect(l1.out.stdout).toMatch(
      /^Forwarding payment\.\* from pull destination dev-laptop at http:\/\/127\.0\.0\.1:\d+ to http:\/\/127\.0\.0\.1:\d+\/hooks$/m,
    );
    const refund = await cli(['trigger', 'stripe', 'charge.refunded']);
    expect(refund.code).toBe(0);
    await cli(['trigger', 'stripe', 'invoice.paid']); // not payment.*: never forwarded
    await until('the refund', () => received.length === 1);
    expect(received[0]).toMatchObject({ type: 'payment.refunded', verified: true, status: 204 });
    // The local app fails once: the listener retries on the schedule (second attempt after ~5 s).
    answers.push(500);
    await cli(['trigger', 'stripe', 'payment_intent.succeeded']);
    await until('the retry', () => (/attempt 2 in \d+s/.test(l1.out.stdout) ? true : undefined));
    await until('the retried delivery', () => received.length === 3, 15_000);
    expect(received.map((r) => [r.type, r.status])).toEqual([
      ['payment.refunded', 204],
      ['payment.succeeded', 500],
      ['payment.succeeded', 204],
    ]);
    expect(received[1]!.id).toBe(received[2]!.id);
    // Fails again, and Ctrl-C comes during the wait: that message is not acknowledged.
    answers.push(500);
    await cli(['trigger', 'stripe', 'payment_intent.payment_failed']);
    await until('the failure', () => received.length === 4);
    const r1 = await stop(l1);
    shots['listen'] =
      `$ hookbridge listen --forward-to ${receiverUrl} --id dev-laptop --types payment.*\n${r1.stdout}${r1.stderr}`;
    expect(r1.code).toBe(0);
    expect(r1.stderr).toBe('stopped: run the same command again to resume where it stopped\n');
    const lines = r1.stdout.trimEnd().split('\n').slice(3);
    expect(lines.map((x) => LINE.exec(x)?.slice(1, 5))).toEqual([
      ['payment.refunded', received[0]!.id, '204', undefined],
      ['payment.succeeded', received[1]!.id, '500', expect.stringMatching(/^attempt 2 in [45]s$/)],
      ['payment.succeeded', received[1]!.id, '204', undefined],
      ['payment.failed', received[3]!.id, '500', expect.stringMatching(/^attempt 2 in [45]s$/)],
    ]);
    // While stopped, another event arrives; the resumed listener sends the unacknowledged one and it, nothing else.
    await cli(['trigger', 'stripe', 'charge.refunded-partial']);
    const l2 = await startListen(['--id', 'dev-laptop', '--types', 'payment.*']);
    expect(l2.out.stdout).toMatch(/\(resuming\)/);
    await until('the resumed deliveries', () => received.length === 6);
    await new Promise((r) => setTimeout(r, 1500));
    await stop(l2);
    expect(received.slice(4).map((r) => [r.type, r.status])).toEqual([
      ['payment.failed', 204],
      ['payment.refunded', 204],
    ]);
    expect(received[4]!.id).toBe(received[3]!.id);
    expect(received).toHaveLength(6);
    expect(received.every((r) => r.verified)).toBe(true);
  }, 60_000);

  it('works the same against a deployed service (--url, --api-key), and its trigger with --secrets-file', async () => {
    received.length = 0;
    const flags = ['--url', remote.url, '--api-key', REMOTE_KEY];
    const l = await startListen([...flags, '--json']);
    const hello = JSON.parse(l.out.stdout.split('\n')[0]!);
    expect(hello).toMatchObject({
      destinationId: expect.stringMatching(/^cli-/),
      secret: verifyWith,
      types: [],
    });
    const sent = await cli([
      'trigger',
      'stripe',
      'charge.refunded',
      ...flags,
      '--secrets-file',
      remote.secretsFile,
    ]);
    expect(sent.code).toBe(0);
    await until('the remote delivery', () => received.length === 1);
    expect(received[0]).toMatchObject({ type: 'payment.refunded', verified: true, status: 204 });
    await stop(l);
    const line = JSON.parse(l.out.stdout.trimEnd().split('\n')[1]!);
    expect(line).toMatchObject({
      type: 'payment.refunded',
      webhookId: received[0]!.id,
      status: 204,
      attempt: 1,
    });
    // The local runtime has no such destination: the two services are apart.
    expect((await call('GET', `/destinations/${hello.destinationId}`)).status).toBe(404);
    const list = await cli(['destinations', 'list', ...flags]);
    shots['destinations-list'] =
      `$ hookbridge destinations list --url ${remote.url} --api-key …\n${list.stdout}`;
    expect(list.stdout).toMatch(
      new RegExp(
        `^ID +KIND +STATUS +TYPES +UPDATED +URL\\n${hello.destinationId} +pull +enabled +\\* +\\S+ +-\\n$`,
      ),
    );
    expect(list.stdout).not.toContain('whsec_');
  }, 60_000);
});

describe('hookbridge events, replay', () => {
  it('tail, show and replay print readable tables, and --json for scripts', async () => {
    const sent = JSON.parse(
      (await cli(['trigger', 'paddle', 'transaction.completed', '--json'])).stdout,
    ) as Sent;
    const [tail, tailJson, show, replay] = await Promise.all([
      cli(['events', 'tail', '--once', '--provider', 'paddle', '--limit', '3']),
      cli(['events', 'tail', '--once', '--provider', 'paddle', '--type', 'transaction.completed', '--json']),
      cli(['events', 'show', sent.id!]),
      cli(['replay', sent.id!]),
    ]);
    Object.assign(shots, { 'events-tail': tail.stdout, 'events-show': show.stdout, replay: replay.stdout });
    expect(tail.code).toBe(0);
    const rows = tail.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^RECEIVED +PROVIDER +SOURCE +TYPE +ID +PROVIDER ID$/);
    expect(rows.at(-1)).toMatch(
      new RegExp(`^\\S+Z +paddle +default +transaction\\.completed +${sent.id} +evt_\\w+$`),
    );
    const json = tailJson.stdout
      .trimEnd()
      .split('\n')
      .map((x) => JSON.parse(x));
    expect(json.every((e) => e.provider === 'paddle' && e.type === 'transaction.completed')).toBe(true);
    expect(json.at(-1).id).toBe(sent.id);
    expect(show.stdout).toMatch(
      new RegExp(`^id +${sent.id}\\nprovider +paddle \\(source default\\)\\ntype +transaction\\.completed`),
    );
    expect(show.stdout).toMatch(/\nbody\n\{\n {2}"event_id": "evt_/);
    expect(show.stdout).toMatch(/\ndeliveries\n/);
    expect(replay.stdout).toMatch(
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d {2}replay of ${sent.id}: \\d+ deliveries queued`),
    );
    expect([tail.code, tailJson.code, show.code, replay.code]).toEqual([0, 0, 0, 0]);
  }, 60_000);

  it('every error is one line naming the cause and the fix, with the documented exit code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const down = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const cases: [string[], number, RegExp, Record<string, string>?][] = [
      [['bogus'], 2, /unknown command "bogus": usage: hookbridge/],
      [['events', 'tail', '--nope'], 2, /Unknown option '--nope': usage/],
      [['trigger', 'stripe', 'nope'], 2, /no fixture "nope" for stripe: pass one of .*charge\.refunded/],
      [['trigger', '--list', 'acme'], 2, /no fixtures for provider "acme": pass one of adyen, /],
      [
        ['trigger', '--scenario', 'nope'],
        2,
        /unknown scenario "nope": pass one of out-of-order-subscription, duplicate-burst/,
      ],
      [['listen'], 2, /listen needs --forward-to: usage: hookbridge listen --forward-to/],
      [['listen', '--forward-to', 'ftp://x/'], 2, /--forward-to must be an http\(s\) URL, not ftp:/],
      [['events', 'tail', '--limit', '0'], 2, /--limit must be a whole number 1-200, not "0"/],
      [
        ['events', 'tail', '--once', '--url', down, '--api-key', 'k'],
        3,
        /cannot reach Hookbridge at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start it with npm start, or pass --url/,
      ],
      [
        ['destinations', 'list'],
        3,
        /no local runtime is running \(no .*nowhere\.json\): start one with npm start, or pass --url/,
        { HOOKBRIDGE_RUNTIME_FILE: join(dir, 'nowhere.json') },
      ],
      [
        ['events', 'tail', '--once', '--api-key', 'wrong'],
        4,
        /refused the API key \(401 unauthorized: .*\): pass the right --api-key or set HOOKBRIDGE_API_KEY/,
      ],
      [
        ['events', 'tail', '--once', '--url', rt.url.replace('127.0.0.1', 'localhost')],
        4,
        /no API key for http:\/\/localhost:\d+: pass --api-key or set HOOKBRIDGE_API_KEY/,
      ],
      [
        ['events', 'show', 'evt_nope'],
        1,
        /no event evt_nope on this Hookbridge \(404\): list event ids with hookbridge events tail/,
      ],
      [
        ['trigger', 'stripe', 'charge.refunded', '--url', remote.url],
        2,
        /no secrets file to sign with for http:\/\/127\.0\.0\.1:\d+: .*pass --secrets-file/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args, , , env]) => cli(args, env)));
    shots.errors = cases
      .map(([args], i) => `$ hookbridge ${args.join(' ')}\n${runs[i]!.stderr}exit ${runs[i]!.code}\n`)
      .join('\n');
    for (const [i, [args, code, cause]] of cases.entries()) {
      expect(runs[i]!.code, args.join(' ')).toBe(code);
      await expectError(runs[i]!, code, cause);
    }
  }, 60_000);
});

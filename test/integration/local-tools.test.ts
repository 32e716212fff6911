/**
 * The command-line tools as a user runs them (spawned, bounded): `npm start` prints one activity
 * line per stored, rejected, delivered, retried and dead-lettered event, accepts loopback
 * destinations, and writes its runtime file for `vault:reencrypt`; every failure is one line
 * naming the cause and the fix, with a non-zero exit and no stack trace.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/local/server.js';
import { tempDir } from '../support/local-runtime.js';

let dir: string;
let removeDir: () => Promise<void>;
let secretsFile: string;
let runtimeFile: string;
let main: ChildProcess;
let out = '';
let url: string;
let receiver: Server;
let receiverBase: string;

const baseEnv = () => ({
  ...process.env,
  HOOKBRIDGE_API_KEY: '',
  HOOKBRIDGE_TABLE: '',
  HOOKBRIDGE_RUNTIME_FILE: runtimeFile,
  HOOKBRIDGE_LOCAL_RECEIVER: 'off',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** Runs a tool to its end (at most 30 s); returns its exit code and output. */
function run(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: REPO_ROOT,
      env: { ...baseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish: ${stdout}${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One line on stderr, naming `cause`, no stack trace, a non-zero exit. */
function expectOneLineError(r: { code: number | null; stderr: string }, cause: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(cause);
  expect(r.stderr).not.toMatch(/\n\s+at |\.ts:\d+/);
}

const waitFor = async (what: RegExp, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!what.test(out)) {
    if (Date.now() > deadline) throw new Error(`no ${what} in: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const sendWebhook = (...args: string[]) =>
  run(['infra/local/send-webhook.ts', ...args, '--url', url, '--secrets-file', secretsFile]);

beforeAll(async () => {
  ({ dir, remove: removeDir } = await tempDir('hb-tools-'));
  secretsFile = join(dir, 'secrets.json');
  runtimeFile = join(dir, 'runtime.json');
  receiver = createServer((req, res) => {
    res.statusCode = req.url === '/ok' ? 200 : req.url === '/gone' ? 410 : 500;
    res.end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await startMain();
});

/** `npm start` in the background on this file's secrets and runtime files; `url` is where it listens. */
async function startMain() {
  out = '';
  main = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/local/main.ts', '--port', '0', '--secrets-file', secretsFile],
    { cwd: REPO_ROOT, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  main.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await waitFor(/"msg":"ready","url":"[^"]+"/, 30_000);
  url = /"msg":"ready","url":"([^"]+)"/.exec(out)![1]!;
}

afterAll(async () => {
  if (main && main.exitCode === null) main.kill('SIGKILL');
  await new Promise((r) => receiver?.close(r));
  await removeDir?.();
});

describe('npm start', () => {
  it('writes its runtime file (0600) while running', async () => {
    expect((await stat(runtimeFile)).mode & 0o777).toBe(0o600);
  });

  it('prints one line per stored, rejected, delivered, retried and dead-lettered event; loopback destinations work', async () => {
    const { apiKey } = (await import(secretsFile, { with: { type: 'json' } })).default['hookbridge/admin'];
    for (const id of ['ok', 'gone', 'fail']) {
      const res = await fetch(`${url}/destinations/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${receiverBase}/${id}`, types: ['*'] }),
      });
      expect(res.status).toBe(201);
    }
    const sent = await sendWebhook('stripe');
    expect(sent.code).toBe(0);
    const id = /"id":"([^"]+)"/.exec(sent.stdout)![1]!;
    const bad = await fetch(`${url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    // Other tests' events are printed too: this test's lines are the ones naming its event (or its rejection).
    const line = async (kind: string, about = id) => {
      await waitFor(new RegExp(` ${kind} .*${about}`));
      return out.split('\n').find((l) => l.includes(` ${kind} `) && l.includes(about)) ?? '';
    };
    expect(await line('stored')).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d stored +stripe  default  evt_\\S+  payment_intent\\.succeeded  id ${id}$`,
      ),
    );
    expect(await line('delivered')).toMatch(new RegExp(`delivered +ok  ${id}  HTTP 200, attempt 1$`));
    expect(await line('retried')).toMatch(
      new RegExp(`retried +fail  ${id}  HTTP 500, attempt 1, next at \\d\\d:\\d\\d:\\d\\d$`),
    );
    expect(await line('dead-lettered')).toMatch(
      new RegExp(`dead-lettered +gone  ${id}  HTTP 410, destination disabled$`),
    );
    expect(await line('rejected', 'stale_timestamp')).toMatch(
      /rejected +stripe {2}default {2}stale_timestamp$/,
    );
    // The banner shows a generated admin key once, by design; activity lines never show a secret.
    expect(out.slice(out.indexOf('"msg":"ready"'))).not.toMatch(/whsec_|hb_dev_/);
  });

  it('on a busy port: one line naming the port and the fix', async () => {
    const port = new URL(url).port;
    const r = await run(['infra/local/main.ts', '--port', port, '--secrets-file', secretsFile], {
      HOOKBRIDGE_RUNTIME_FILE: join(dir, 'other-runtime.json'),
    });
    expectOneLineError(r, new RegExp(`Port ${port} is already in use \\(EADDRINUSE\\).*--port`));
  });
});

describe('vault:reencrypt', () => {
  it('finds the running local runtime from its runtime file, and with --local', async () => {
    const runs = await Promise.all([[], ['--local']].map((a) => run(['infra/ops/vault-reencrypt.ts', ...a])));
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/done: 0 re-encrypted/);
      expect(r.code).toBe(0);
    }
  });

  it('without the function environment or a running runtime: one line naming both fixes', async () => {
    const env = { HOOKBRIDGE_RUNTIME_FILE: join(dir, 'none.json') };
    expectOneLineError(
      await run(['infra/ops/vault-reencrypt.ts'], env),
      /HOOKBRIDGE_TABLE is not set.*npm start.*--local/,
    );
    expectOneLineError(
      await run(['infra/ops/vault-reencrypt.ts', '--local'], env),
      /no local runtime is running/,
    );
  });
});

describe('send-webhook', () => {
  it('paddle --source eu: names how to add the source, and --create-source adds it', async () => {
    expectOneLineError(
      await sendWebhook('paddle', '--source', 'eu'),
      /No secret "hookbridge\/webhooks\/paddle\/eu".*add .* or pass --create-source/,
    );
    const r = await sendWebhook('paddle', '--source', 'eu', '--create-source');
    expect(r.stdout).toMatch(/POST \/webhooks\/paddle\/eu -> 200/);
    expect(r.code).toBe(0);
  });

  it('square signs for whatever port the runtime listens on', async () => {
    expect((await sendWebhook('square')).stdout).toMatch(/-> 200/);
  });

  it('paypal is signed with the local stand-in the first npm start made, and stored', async () => {
    const r = await sendWebhook('paypal');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/POST \/webhooks\/paypal -> 200\n\{"status":"stored"/);
    expect(r.code).toBe(0);
    await waitFor(/stored +paypal +default +WH-/);
  });

  it('paypal without a local stand-in, a missing --file and a service that is down: one line each', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const noStandIn = join(dir, 'no-standin.json');
    await writeFile(noStandIn, JSON.stringify({ 'hookbridge/webhooks/paypal': { secrets: ['WH-REAL-1'] } }));
    const [paypal, noFile, down] = await Promise.all([
      run(['infra/local/send-webhook.ts', 'paypal', '--url', url, '--secrets-file', noStandIn]),
      sendWebhook('stripe', '--file', join(dir, 'nope.json')),
      run([
        'infra/local/send-webhook.ts',
        'stripe',
        '--url',
        `http://127.0.0.1:${port}`,
        '--secrets-file',
        secretsFile,
      ]),
    ]);
    expectOneLineError(paypal, /No local sample for paypal: PayPal signs/);
    expectOneLineError(noFile, /Cannot read --file .*ENOENT/);
    expectOneLineError(
      down,
      /Cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): start the service with npm start/,
    );
  });
});

describe('synth', () => {
  it('a bad -c value is one line naming the setting', async () => {
    const outdir = join(dir, 'cdk.out');
    const [retention, stage] = await Promise.all([
      run(['infra/app.ts'], {
        CDK_CONTEXT_JSON: JSON.stringify({ eventRetentionDays: '3' }),
        CDK_OUTDIR: outdir,
      }),
      run(['infra/app.ts'], { CDK_CONTEXT_JSON: '{"stage":"qa"}', CDK_OUTDIR: outdir }),
    ]);
    expectOneLineError(retention, /-c eventRetentionDays must be 7-3650/);
    expectOneLineError(stage, /-c stage must be dev or prod/);
  });
});

describe('npm start, stopped', () => {
  it('exits 0 on SIGTERM and removes its runtime file', async () => {
    const code = await new Promise<number | null>((r) => {
      main.on('exit', (c) => r(c));
      main.kill('SIGTERM');
    });
    try {
      expect(code).toBe(0);
      await expect(stat(runtimeFile)).rejects.toThrow();
    } finally {
      // The other tests need it running, whatever the order.
      await startMain();
    }
  });
});

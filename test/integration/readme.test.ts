/**
 * The README's first steps, run as a newcomer pastes them. The sections in RUN are followed in
 * order: a block that is an `npm start` line (re)starts the service with exactly that line, as the
 * reader's first terminal would; every other ```sh block goes to bash (`-euo pipefail`, so an
 * undefined variable or a failing command fails the test) in the repository, as the second
 * terminal would, with the variables the Quick start exported. Sections whose blocks cannot run
 * here are in NOT_RUN with the reason; a new section with commands must be added to one of the two.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/local/server.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

const RUN = ['Quick start', 'A first webhook', 'A first delivery to your app', 'The `hookbridge` CLI'];
const NOT_RUN: Record<string, string> = {
  'A first connection': 'needs a real Google OAuth client and a person signing in with Google in a browser',
  Tests: 'it is `npm test`, which runs this file',
  Deploying: 'needs an AWS account and credentials',
};
/** An `npm start` line, optionally after `NAME=value` settings and `npm install &&`. */
const START = /^(?:[A-Z_]+=\S+\s+)*(?:npm install && )?npm start$/;
/**
 * The port the README's example receiver listens on, replaced by a free one so that parallel runs
 * on one machine cannot collide; nothing else in a block is changed.
 */
const README_APP_PORT = '4000';

/** The ```sh blocks of each `## ` section, in order. */
function shellBlocks(markdown: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const title = part.slice(0, part.indexOf('\n')).trim();
    out.set(
      title,
      [...part.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!),
    );
  }
  return out;
}

const sections = shellBlocks(README);
const steps = RUN.flatMap((title) => (sections.get(title) ?? []).map((block) => ({ title, block })));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
};

/** Runs one block in its own process group; whatever it left running is killed afterwards. */
function bash(script: string, env: Record<string, string>, timeoutMs = 45_000) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: REPO_ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      setTimeout(() => {
        killGroup(child, 'SIGKILL');
        resolve({ code, out });
      }, 100);
    });
  });
}

/** A fresh terminal: none of the developer's Hookbridge settings. */
const shellEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('HOOKBRIDGE_') && e[0] !== 'PORT',
  ),
);
let appPort: number;
const onAppPort = (s: string) =>
  s
    .replaceAll(`127.0.0.1:${README_APP_PORT}`, `127.0.0.1:${appPort}`)
    .replaceAll(`.listen(${README_APP_PORT})`, `.listen(${appPort})`);

let service: { child: ChildProcess; exited: Promise<unknown>; out: () => string } | undefined;
/** What the first terminal showed, over every start. */
let terminal1 = '';

async function stopService() {
  if (!service) return;
  terminal1 += service.out();
  killGroup(service.child, 'SIGTERM');
  await Promise.race([service.exited, new Promise((r) => setTimeout(r, 10_000))]);
  killGroup(service.child, 'SIGKILL');
  service = undefined;
}

/**
 * The README's start line, in the first terminal: `npm install` has been run already (this is an
 * installed checkout). The first start takes a free port (PORT=0) and a restart keeps it, as a
 * reader's restart keeps port 3000 (the README's commands all follow PORT).
 * The service uses the README's own secrets file, `.hookbridge/secrets.json`, which the Quick start
 * reads the admin key from; its data stays in memory, so each start is a fresh service. Only where
 * it says it runs (HOOKBRIDGE_RUNTIME_FILE) goes to a temporary folder, so that a developer's own
 * `npm start` in this checkout keeps its `.hookbridge/runtime.json`.
 */
async function startService(line: string): Promise<string> {
  await stopService();
  const command = onAppPort(line.trim()).replace('npm install && ', '');
  const child = spawn('bash', ['-c', command], {
    cwd: REPO_ROOT,
    env: { ...shellEnv, PORT: shellEnv.PORT ?? '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  service = { child, exited: new Promise((r) => child.once('exit', r)), out: () => out };
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command}: no ready line in 60 s\n${out}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}\n${out}`)));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = /"msg":"ready","url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
  });
}

let scratch: string;

beforeAll(async () => {
  appPort = await freePort();
  scratch = mkdtempSync(join(tmpdir(), 'hb-readme-'));
  // The second terminal finds the service where the first one says it runs, as `npx hookbridge`
  // finds `.hookbridge/runtime.json` in a reader's checkout.
  shellEnv.HOOKBRIDGE_RUNTIME_FILE = join(scratch, 'runtime.json');
});

afterAll(async () => {
  await stopService();
  rmSync(scratch, { recursive: true, force: true });
});

describe('README', () => {
  it('is a front door of at most 200 lines', () => {
    expect(README.split('\n').length - 1).toBeLessThanOrEqual(200);
  });

  it('has its sections with commands either run here or listed as not run, with the reason', () => {
    const withCommands = [...sections].filter(([, blocks]) => blocks.length > 0).map(([t]) => t);
    expect(withCommands.filter((t) => !RUN.includes(t) && !(t in NOT_RUN))).toEqual([]);
    for (const t of RUN) expect(sections.get(t)?.length, t).toBeGreaterThan(0);
    expect(START.test(steps[0]!.block.trim()), 'the Quick start begins with npm start').toBe(true);
  });

  it('has only blocks bash can parse, including those not run', async () => {
    for (const blocks of sections.values()) {
      for (const block of blocks) {
        const { code, out } = await bash(`set -n\n${block}`, shellEnv, 5_000);
        expect(code, `${block}\n${out}`).toBe(0);
      }
    }
  });

  it('runs its Quick start, first webhook and first delivery as pasted', { timeout: 150_000 }, async () => {
    const outputs = new Map<string, string>();
    for (const { title, block } of steps) {
      if (START.test(block.trim())) {
        shellEnv.PORT = await startService(block);
        continue;
      }
      // The Quick start exports the two variables every later block uses: take them as it set them.
      const setup = title === 'Quick start';
      const script =
        onAppPort(block) +
        (setup ? '\nprintf "\\nexported: %s %s\\n" "$HOOKBRIDGE_URL" "$HOOKBRIDGE_API_KEY"\n' : '');
      const { code, out } = await bash(script, shellEnv);
      expect(code, `[${title}]\n${block}\n--- output ---\n${out}`).toBe(0);
      if (setup) {
        const [, url, key] = /^exported: (\S+) (\S+)$/m.exec(out) ?? [];
        expect(url).toBe(`http://127.0.0.1:${shellEnv.PORT}`);
        shellEnv.HOOKBRIDGE_URL = url!;
        shellEnv.HOOKBRIDGE_API_KEY = key!;
      }
      outputs.set(title, `${outputs.get(title) ?? ''}${out}`);
    }
    const [quick, webhook, delivery] = RUN.map((t) => outputs.get(t) ?? '');
    const all = [...outputs].map(([t, o]) => `[${t}]\n${o}`).join('\n');
    // The service answers, and the admin key read from the secrets file is accepted.
    expect(quick, all).toContain('"status":"ok"');
    expect(quick, all).toContain('{"items":[');
    // A stored event, listed, with the secret that verified it.
    const storedLine = /POST \/webhooks\/stripe -> 200\n\{"status":"stored","id":"(evt_[a-z2-7]+)"\}/;
    const stored = storedLine.exec(webhook!)?.[1];
    expect(stored, all).toBeDefined();
    expect(webhook).toContain(`{"items":[{"id":"${stored}"`);
    expect(webhook).toContain('"verification":{"secretName":"hookbridge/webhooks/stripe","matchedSecret":0}');
    // A signed delivery that reached the receiver standing in for the app, recorded as delivered.
    const sent = storedLine.exec(delivery!)?.[1];
    expect(sent, all).toBeDefined();
    expect(delivery).toContain(`your app got ${sent} {"type":"payment.succeeded"`);
    expect(delivery).toMatch(new RegExp(`"webhookId":"${sent}"[^\\]]*"status":"delivered"`));
    // The first terminal shows one line per event stored and delivered.
    await stopService();
    expect(terminal1).toMatch(/ stored +stripe {2}default {2}evt_/);
    expect(terminal1).toMatch(/ delivered +my-app {2}/);
  });
});

/**
 * The README's first steps, run as a newcomer pastes them: each ```sh block of the sections in RUN
 * goes to bash (`-euo pipefail`, so an undefined variable or a failing command fails the test) in
 * the repository, against a local runtime started the way the README's `npm start` lines say.
 * Sections with blocks that cannot run here are in NOT_RUN with the reason; a new section with
 * commands must be added to one of the two.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, REPO_ROOT, startLocal } from '../../infra/local/server.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

const RUN = ['Quick start', 'A first webhook', 'A first delivery to your app'];
const NOT_RUN: Record<string, string> = {
  'A first connection': 'needs a real Google OAuth client and a person signing in with Google in a browser',
  Tests: 'it is `npm test`, which runs this file',
  Deploying: 'needs an AWS account and credentials',
};
/** `npm install && npm start`, optionally after `NAME=value` settings: the test starts the runtime itself. */
const START = /^((?:[A-Z_]+=\S+\s+)*)(?:npm install && )?npm start$/;
/** The port the README's example receiver listens on; replaced by a free one so parallel runs cannot collide. */
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
const startBlocks = RUN.flatMap((t) => sections.get(t) ?? []).filter((b) => START.test(b.trim()));
const runBlocks = RUN.flatMap((t) =>
  (sections.get(t) ?? []).filter((b) => !START.test(b.trim())).map((b) => [t, b] as const),
);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Runs one block in its own process group; everything it left running is killed afterwards. */
function bash(script: string, env: Record<string, string>, timeoutMs = 20_000) {
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
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(killGroup, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      setTimeout(() => {
        killGroup();
        resolve({ code, out });
      }, 100);
    });
  });
}

let rt: LocalRuntime;
let appPort: number;
/** A fresh terminal: no Hookbridge settings of the developer's shell. */
const shellEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter(
    (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('HOOKBRIDGE_') && e[0] !== 'PORT',
  ),
);
const onAppPort = (s: string) =>
  s
    .replaceAll(`127.0.0.1:${README_APP_PORT}`, `127.0.0.1:${appPort}`)
    .replaceAll(`.listen(${README_APP_PORT})`, `.listen(${appPort})`);

beforeAll(async () => {
  appPort = await freePort();
  // The settings the README puts before `npm start` (e.g. the receiver's allow-list entry).
  const env: Record<string, string> = {};
  for (const block of startBlocks) {
    for (const [, name, value] of START.exec(block.trim())![1]!.matchAll(/([A-Z_]+)=(\S+)/g)) {
      env[name!] = onAppPort(value!);
    }
  }
  // The README's own secrets file: its Quick start reads the admin key from there. Data stays in memory.
  rt = await startLocal({
    port: 0,
    secretsFile: join(REPO_ROOT, '.hookbridge/secrets.json'),
    apiKey: '',
    env,
  });
  shellEnv.PORT = String(rt.port);
});

afterAll(async () => {
  await rt?.close();
});

describe('README', () => {
  it('is a front door of at most 200 lines', () => {
    expect(README.split('\n').length - 1).toBeLessThanOrEqual(200);
  });

  it('has its sections with commands either run here or listed as not run, with the reason', () => {
    const withCommands = [...sections].filter(([, blocks]) => blocks.length > 0).map(([t]) => t);
    expect(withCommands.filter((t) => !RUN.includes(t) && !(t in NOT_RUN))).toEqual([]);
    for (const t of RUN) expect(sections.get(t)?.length, t).toBeGreaterThan(0);
    // The runtime is started by the README's `npm start` lines, which the test reproduces.
    expect(startBlocks.length).toBeGreaterThan(0);
  });

  it('has only blocks bash can parse, including those not run', async () => {
    for (const blocks of sections.values()) {
      for (const block of blocks) {
        const { code, out } = await bash(`set -n\n${block}`, shellEnv, 5_000);
        expect(code, `${block}\n${out}`).toBe(0);
      }
    }
  });

  it('runs its Quick start, first webhook and first delivery as pasted', { timeout: 60_000 }, async () => {
    const outputs: string[] = [];
    for (const [title, block] of runBlocks) {
      const isSetup = title === 'Quick start';
      // The Quick start exports the two variables every later block uses: take them as it set them.
      const script =
        onAppPort(block) +
        (isSetup ? '\nprintf "\\nexported: %s %s\\n" "$HOOKBRIDGE_URL" "$HOOKBRIDGE_API_KEY"\n' : '');
      const { code, out } = await bash(script, shellEnv);
      expect(code, `[${title}]\n${block}\n--- output ---\n${out}`).toBe(0);
      if (isSetup) {
        const [, url, key] = /^exported: (\S+) (\S+)$/m.exec(out) ?? [];
        expect(url).toBe(rt.url);
        expect(key).toBe(rt.apiKey);
        shellEnv.HOOKBRIDGE_URL = url!;
        shellEnv.HOOKBRIDGE_API_KEY = key!;
      }
      outputs.push(`[${title}]\n${out}`);
    }
    const all = outputs.join('\n');
    const [quick, webhook, delivery] = RUN.map((t) =>
      outputs.filter((o) => o.startsWith(`[${t}]`)).join('\n'),
    );
    expect(quick, all).toContain('"status":"ok"');
    expect(quick, all).toContain('{"items":[');
    // A stored event, listed, with the secret that verified it.
    const stored = /POST \/webhooks\/stripe -> 200\n\{"status":"stored","id":"(evt_[a-z2-7]+)"\}/.exec(
      webhook!,
    );
    expect(stored, all).not.toBeNull();
    expect(webhook).toContain(`{"items":[{"id":"${stored![1]}"`);
    expect(webhook).toContain('"verification":{"secretName":"hookbridge/webhooks/stripe","matchedSecret":0}');
    // A signed delivery that reached the receiver standing in for the app, and is recorded as delivered.
    const sent = /POST \/webhooks\/stripe -> 200\n\{"status":"stored","id":"(evt_[a-z2-7]+)"\}/.exec(
      delivery!,
    );
    expect(sent, all).not.toBeNull();
    expect(delivery).toContain(`your app got ${sent![1]} {"type":"payment.succeeded"`);
    expect(delivery).toMatch(new RegExp(`"webhookId":"${sent![1]}"[^\\]]*"status":"delivered"`));
  });
});

/**
 * kill -9 loses nothing: `npm start --data-dir` is killed (SIGKILL) under concurrent signed
 * webhooks, several times, and restarted on the same data dir. Every acknowledged event (and every
 * stored one) reaches the receiver with its original webhook-id, and no list shows an event that
 * is absent or shows one twice. A torn dynalite write (index entries without their item, or
 * entries of an update that never reached the item) is constructed and repaired on start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRuntimeFile } from '../../infra/local/runtime-file.js';
import { addSourceSecret } from '../../infra/local/secrets-file.js';
import { LOCAL_TABLE, type LocalRuntime, REPO_ROOT, startLocal } from '../../infra/local/server.js';
import { signWebhook } from '../../infra/local/webhook-signers.js';
import { eventIdFor } from '../../shared/events/record.js';
import { apiCaller, type JsonBody } from '../support/api.js';
import { TEST_ADMIN_KEY, tempDir } from '../support/local-runtime.js';

const SOURCE = 'crash';
const ROUNDS = 3;
const SENDERS = 12;
/** Acks per round before the kill (the pipeline is then well behind the ingest). */
const KILL_AFTER_ACKS = [60, 90, 120];

let dir: string;
let removeDir: () => Promise<void>;
let secretsFile: string;
let secret: { secrets: string[] };
let receiver: Server;
let receiverBase: string;
/** Per receiver path (one per test): webhook-id -> times received. */
const receivers = new Map<string, Map<string, number>>();
const receivedOn = (path: string) => {
  if (!receivers.has(path)) receivers.set(path, new Map());
  return receivers.get(path)!;
};

beforeAll(async () => {
  ({ dir, remove: removeDir } = await tempDir('hb-crash-'));
  secretsFile = join(dir, 'secrets.json');
  await writeFile(secretsFile, '{}', { mode: 0o600 });
  secret = await addSourceSecret(secretsFile, 'stripe', SOURCE);
  receiver = createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    const got = receivedOn(String(req.url));
    req.resume();
    req.on('end', () => {
      got.set(id, (got.get(id) ?? 0) + 1);
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  await removeDir?.();
});

interface Running {
  child: ChildProcess;
  url: string;
}

/** `npm start` on the data dir; its URL from the runtime file once it printed its ready line. */
async function startRuntime(dataDir: string): Promise<Running> {
  const runtimeFile = join(dir, 'runtime.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'infra/local/main.ts',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--secrets-file',
      secretsFile,
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        HOOKBRIDGE_API_KEY: TEST_ADMIN_KEY,
        HOOKBRIDGE_RUNTIME_FILE: runtimeFile,
        HOOKBRIDGE_LOCAL_RECEIVER: 'off',
        HOOKBRIDGE_LOG_LEVEL: 'warn',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes('"msg":"ready"')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const info = readRuntimeFile(runtimeFile);
  expect(info?.pid).toBe(child.pid);
  return { child, url: info!.url };
}

const kill = (rt: Running) =>
  new Promise<void>((resolve) => {
    if (rt.child.exitCode !== null || rt.child.signalCode !== null) return resolve();
    rt.child.once('exit', () => resolve());
    rt.child.kill('SIGKILL');
  });

/** Concurrent signed Stripe webhooks until the runtime stops answering (or `until()`); returns the ids sent and acked. */
async function load(url: string, until: () => boolean, onAck: () => void) {
  const sent: string[] = [];
  const acked: string[] = [];
  const sender = async () => {
    while (!until()) {
      const id = randomUUID();
      const target = `${url}/webhooks/stripe/${SOURCE}`;
      const signed = signWebhook('stripe', { url: target, secret, id });
      sent.push(eventIdFor('stripe', SOURCE, `evt_${id}`));
      try {
        const res = await fetch(target, {
          method: 'POST',
          headers: signed.headers,
          body: signed.body,
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as { id?: string };
        if (res.status !== 200 || !body.id) throw new Error(`ingest answered ${res.status}`);
        acked.push(body.id);
        onAck();
      } catch {
        return; // killed: this request may or may not have been stored
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  return { sent, acked };
}

const api = (rt: Running) => apiCaller(() => rt.url, TEST_ADMIN_KEY);

async function listAll(rt: Running, path: string): Promise<JsonBody[]> {
  const items: JsonBody[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api(rt)('GET', `${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    items.push(...(res.json!.items as JsonBody[]));
    cursor = res.json!.cursor as string | undefined;
    if (!cursor) return items;
  }
  throw new Error(`${path} did not end`);
}

/** Runs `fn` over `xs`, `n` at a time. */
async function eachLimited<T>(xs: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < xs.length) await fn(xs[next++]!);
    }),
  );
}

/** Waits (at most `ms`) for `ok()`; the assertions after it say what is missing. */
const waitFor = async (ok: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
};

/** An event's deliveries as [webhookId, status], once the first is settled (or after 10 s). */
async function settledDeliveries(rt: Running, id: string): Promise<unknown[][]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await api(rt)('GET', `/events/${id}/deliveries`);
    expect(res.status).toBe(200);
    const rows = (res.json!.items as JsonBody[]).map((d) => [d.webhookId, d.status]);
    if (rows[0]?.[1] !== 'pending' || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start --data-dir, killed with SIGKILL under load', () => {
  it(`loses no acknowledged event over ${ROUNDS} crashes: each reaches the receiver with its original webhook-id, and lists show each event once`, async () => {
    const dataDir = join(dir, 'data');
    const sent = new Set<string>();
    const acked = new Set<string>();
    const received = receivedOn('/crash');
    let rt = await startRuntime(dataDir);
    const created = await api(rt)('PUT', '/destinations/crash-receiver', {
      url: `${receiverBase}/crash`,
      types: ['*'],
    });
    expect(created.status).toBe(201);

    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) rt = await startRuntime(dataDir);
      let acks = 0;
      let killing: Promise<void> | undefined;
      const current = rt;
      const r = await load(
        rt.url,
        () => killing !== undefined,
        () => {
          if (++acks >= KILL_AFTER_ACKS[round]!) killing ??= kill(current);
        },
      );
      await killing;
      for (const id of r.sent) sent.add(id);
      for (const id of r.acked) acked.add(id);
      // The kill came mid-load: this round's later events were still unprocessed or in flight.
      expect(r.acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS[round]!);
    }

    rt = await startRuntime(dataDir);
    try {
      const storedIds = (await listAll(rt, '/events')).map((e) => String(e.id));
      // Every stored event (acknowledged or not) is delivered; nothing arrives under an id never sent.
      await waitFor(() => storedIds.every((id) => received.has(id)), 30_000);
      const lost = [...acked].filter((id) => !received.has(id));
      const duplicates = [...received.values()].filter((n) => n > 1).length;
      process.stdout.write(
        `crash: ${ROUNDS} rounds, ${sent.size} sent, ${acked.size} acked, ${storedIds.length} stored, ` +
          `${received.size} delivered, ${lost.length} lost, ${duplicates} delivered more than once\n`,
      );
      expect({
        lost,
        storedUndelivered: storedIds.filter((id) => !received.has(id)),
        foreign: [...received.keys()].filter((id) => !sent.has(id)),
        // Each stored event listed once, none that was never sent, every acknowledged one.
        listedTwice: storedIds.filter((id, i) => storedIds.indexOf(id) !== i),
        listedNeverSent: storedIds.filter((id) => !sent.has(id)),
        unlisted: [...acked].filter((id) => !storedIds.includes(id)),
      }).toEqual({
        lost: [],
        storedUndelivered: [],
        foreign: [],
        listedTwice: [],
        listedNeverSent: [],
        unlisted: [],
      });
      // Each listed event exists, with exactly one delivery, delivered under its own webhook-id.
      await eachLimited(storedIds, 8, async (id) => {
        const one = await api(rt)('GET', `/events/${id}`);
        expect(one.status).toBe(200);
        expect(await settledDeliveries(rt, id)).toEqual([[id, 'delivered']]);
      });
    } finally {
      await kill(rt);
    }
  }, 120_000);
});

/** dynalite's own store module: what its PutItem does, in the two halves a kill can separate. */
interface DynaliteDb {
  create(opts: { path: string }): DynaliteStore;
  createKey(item: Item, table: unknown): string;
  updateIndexes(store: DynaliteStore, table: unknown, existing: Item | undefined, item: Item, cb: Cb): void;
}
interface DynaliteStore {
  db: { close(): Promise<void> };
  getTable(name: string, cb: (err: Error | null, table: unknown) => void): void;
  getItemDb(name: string): { get(key: string, cb: (err: Error | null, item: Item) => void): void };
}
type Item = Record<string, Record<string, unknown>>;
type Cb = (err?: Error | null) => void;
const dynaliteDb = createRequire(import.meta.url)('dynalite/db') as DynaliteDb;

/**
 * Leaves what a process killed inside dynalite's PutItem leaves: `tornId`'s index entries without
 * its item (a torn insert), and `updatedId`'s entries moved to a new receivedAt its item never got.
 */
async function tearWrites(dataDir: string, copyOf: string, tornId: string, updatedId: string): Promise<void> {
  const store = dynaliteDb.create({ path: dataDir });
  try {
    const table = await new Promise<unknown>((r, j) =>
      store.getTable(LOCAL_TABLE, (e, t) => (e ? j(e) : r(t))),
    );
    const read = (id: string) =>
      new Promise<Item>((r, j) =>
        store
          .getItemDb(LOCAL_TABLE)
          .get(dynaliteDb.createKey({ pk: { S: `event#${id}` }, sk: { S: 'event' } }, table), (e, it) =>
            e ? j(e) : r(it),
          ),
      );
    const indexOnly = (existing: Item | undefined, item: Item) =>
      new Promise<void>((r, j) =>
        dynaliteDb.updateIndexes(store, table, existing, item, (e) => (e ? j(e) : r())),
      );
    const relisted = (it: Item, id: string, at: string): Item => ({
      ...it,
      pk: { S: `event#${id}` },
      id: { S: id },
      receivedAt: { S: at },
      gsi1sk: { S: `${at}#${id}` },
      gsi2sk: { S: `${at}#${id}` },
    });
    await indexOnly(undefined, relisted(await read(copyOf), tornId, new Date().toISOString()));
    const before = await read(updatedId);
    await indexOnly(before, relisted(before, updatedId, '2001-01-01T00:00:00.000Z'));
  } finally {
    await store.db.close();
  }
}

describe('a torn dynalite write in the data dir', () => {
  let rt: LocalRuntime | undefined;
  afterAll(async () => {
    await rt?.close();
  });

  it('is repaired on start: no list shows an absent event, none shows one twice or with a write that never landed', async () => {
    const dataDir = join(dir, 'torn');
    const start = () =>
      startLocal({
        port: 0,
        dataDir,
        secretsFile,
        apiKey: TEST_ADMIN_KEY,
        env: { HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true', HOOKBRIDGE_LOG_LEVEL: 'warn' },
      });
    rt = await start();
    const local = rt;
    const call = apiCaller(() => local.url, TEST_ADMIN_KEY);
    const destination = { url: `${receiverBase}/torn`, types: ['*'] };
    expect((await call('PUT', '/destinations/torn', destination)).status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const target = `${rt.url}/webhooks/stripe/${SOURCE}`;
      const signed = signWebhook('stripe', { url: target, secret });
      const res = await fetch(target, { method: 'POST', headers: signed.headers, body: signed.body });
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as { id: string }).id);
    }
    await rt.pipeline.idle();
    const [kept, updated] = ids as [string, string];
    const receivedAt = (await call('GET', `/events/${updated}`)).json!.receivedAt;
    await rt.close();
    rt = undefined;

    const torn = eventIdFor('stripe', SOURCE, `evt_torn_${randomUUID()}`);
    await tearWrites(dataDir, kept, torn, updated);
    rt = await start();
    const again = rt;
    const listed = async (path: string) => {
      const res = await apiCaller(() => again.url, TEST_ADMIN_KEY)('GET', path);
      expect(res.status).toBe(200);
      return (res.json!.items as JsonBody[]).map((e) => [e.id, e.receivedAt]);
    };
    for (const path of ['/events', '/events?provider=stripe']) {
      const rows = await listed(path);
      expect(rows.map(([id]) => id).sort()).toEqual([kept, updated].sort());
      expect(rows.find(([id]) => id === updated)).toEqual([updated, receivedAt]);
    }
    expect((await apiCaller(() => again.url, TEST_ADMIN_KEY)('GET', `/events/${torn}`)).status).toBe(404);
    await rt.pipeline.idle();
    // The torn event was never stored: nothing replays or delivers it.
    expect(receivedOn('/torn').has(torn)).toBe(false);
  });
});

/**
 * The secret re-read throttle after a bad signature, through the real receive path: the local
 * runtime with a secret store that is not the read-through file store (so the cache keeps values
 * for HOOKBRIDGE_SECRETS_CACHE_SECONDS, as with Secrets Manager) and a manual clock. A bad
 * signature forces a re-read only of a copy at least 3 s old, and at most 60 forced re-reads
 * (all sources together) happen in any minute. test/unit/secret-cache.test.ts proves the cache
 * rule alone; this proves the receiver is wired to it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../infra/local/pipeline.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { signWebhook } from '../../infra/local/webhook-signers.js';
import { LocalFileSecretStore } from '../../shared/adapters/local-secrets.js';
import type { SecretStore } from '../../shared/ports/index.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';

const SECRET = { secrets: ['whsec_throttle_0123456789abcdef'] };
const FORGED = { secrets: ['whsec_forged_0123456789abcdefgh'] };
const SOURCES = Array.from({ length: 70 }, (_, i) => `many-${i}`);
const PREFIX = 'hookbridge/webhooks/stripe/';

let rt: LocalRuntime;
let temp: TempSecrets;
let clock: ManualClock;
/** Store reads by secret name. */
const reads = new Map<string, number>();
const readsOf = (source: string) => reads.get(`${PREFIX}${source}`) ?? 0;

beforeAll(async () => {
  const all: Record<string, unknown> = { [`${PREFIX}one`]: SECRET };
  for (const s of SOURCES) all[`${PREFIX}${s}`] = SECRET;
  temp = await writeTempSecrets('hb-throttle-', all);
  const file = new LocalFileSecretStore(temp.secretsFile);
  const counting: SecretStore = {
    kind: 'file',
    getSecret: (name) => {
      reads.set(name, (reads.get(name) ?? 0) + 1);
      return file.getSecret(name);
    },
  };
  clock = new ManualClock(Date.now());
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: TEST_ADMIN_KEY,
    overrides: { clock, secretStore: counting },
  });
});

afterAll(async () => {
  await rt?.close();
  await temp?.remove();
});

beforeEach(() => {
  // Past any forced re-read of an earlier test: the per-minute window and every cached copy's age.
  clock.t += 61_000;
});

/** A forged (badly signed) Stripe event to a source; answers its status. */
async function forged(source: string): Promise<number> {
  const url = `${rt.url}/webhooks/stripe/${source}`;
  const signed = signWebhook('stripe', { url, secret: FORGED, nowSec: Math.floor(clock.now() / 1000) });
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
  await res.arrayBuffer();
  return res.status;
}

describe('forced secret re-reads after bad signatures', () => {
  it('re-reads a source only when its cached copy is at least 3 s old', async () => {
    const before = readsOf('one');
    for (let i = 0; i < 20; i++) expect(await forged('one')).toBe(401);
    // At most one read: the first fill (or a re-read of a copy over 3 s old), then none.
    const filled = readsOf('one');
    expect(filled - before).toBeLessThanOrEqual(1);
    clock.t += 2999;
    for (let i = 0; i < 5; i++) expect(await forged('one')).toBe(401);
    expect(readsOf('one')).toBe(filled);
    clock.t += 1;
    for (let i = 0; i < 5; i++) expect(await forged('one')).toBe(401);
    expect(readsOf('one')).toBe(filled + 1);
  });

  it('grants at most 60 forced re-reads a minute across all sources', async () => {
    const total = () => SOURCES.reduce((n, s) => n + readsOf(s), 0);
    for (const s of SOURCES) expect(await forged(s)).toBe(401);
    const filled = total();
    clock.t += 3000;
    for (const s of SOURCES) expect(await forged(s)).toBe(401);
    expect(total() - filled).toBe(60);
    // Still inside the minute: refused, whatever the age of the copies.
    clock.t += 3000;
    for (const s of SOURCES) expect(await forged(s)).toBe(401);
    expect(total() - filled).toBe(60);
    // A minute after the first forced re-read, the ceiling allows more again.
    clock.t += 60_000;
    expect(await forged(SOURCES[0]!)).toBe(401);
    expect(total() - filled).toBe(61);
  });
});

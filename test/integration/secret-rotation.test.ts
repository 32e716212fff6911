/**
 * Issue 12 item 3: a rotation cannot be starved by badly signed traffic. While a loop posts badly
 * signed events, the source's secret is rotated in the secrets file; a correctly signed event with
 * the new secret must be accepted within 5 s of simulated time. (The local file store is read
 * through, so this proves the local path; test/unit/secret-cache.test.ts proves the cached rule.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../infra/local/pipeline.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { signWebhook } from '../../infra/local/webhook-signers.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';

const NAME = 'hookbridge/webhooks/stripe/rotating';
const OLD = 'whsec_rotation_old_0123456789abcdef';
const NEW = 'whsec_rotation_new_0123456789abcdef';
const FORGED = 'whsec_rotation_forged_0123456789ab';

let rt: LocalRuntime;
let temp: TempSecrets;
let clock: ManualClock;

beforeAll(async () => {
  temp = await writeTempSecrets('hb-rotation-', { [NAME]: { secrets: [OLD] } });
  clock = new ManualClock(Date.now());
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: TEST_ADMIN_KEY,
    overrides: { clock },
  });
}, 30_000);

afterAll(async () => {
  await rt?.close();
  await temp?.remove();
});

async function post(secret: string): Promise<number> {
  const url = `${rt.url}/webhooks/stripe/rotating`;
  const signed = signWebhook('stripe', {
    url,
    secret: { secrets: [secret] },
    nowSec: Math.floor(clock.now() / 1000),
  });
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
  await res.arrayBuffer();
  return res.status;
}

describe('secret rotation under a stream of bad signatures', () => {
  it('accepts a correctly signed event with the new secret within 5 s of the rotation', async () => {
    expect(await post(OLD)).toBe(200);
    const start = clock.now();
    const rotateAt = start + 2000;
    let rotatedAt: number | undefined;
    let acceptedAt: number | undefined;
    const bad: number[] = [];
    // Every 100 ms of simulated time a forged event; after the rotation also a correctly signed one.
    while (acceptedAt === undefined && clock.now() - start < 15_000) {
      bad.push(await post(FORGED));
      if (rotatedAt === undefined && clock.now() >= rotateAt) {
        const all = JSON.parse(await readFile(temp.secretsFile, 'utf8')) as Record<string, unknown>;
        all[NAME] = { secrets: [NEW] };
        await writeFile(temp.secretsFile, JSON.stringify(all));
        rotatedAt = clock.now();
      }
      if (rotatedAt !== undefined && (await post(NEW)) === 200) acceptedAt = clock.now();
      clock.t += 100;
    }
    expect(rotatedAt).toBeDefined();
    expect(acceptedAt).toBeDefined();
    expect(acceptedAt! - rotatedAt!).toBeLessThanOrEqual(5000);
    expect(bad.length).toBeGreaterThan(10);
    expect(bad.every((s) => s === 401)).toBe(true);
    // The old secret no longer verifies.
    expect(await post(OLD)).toBe(401);
  });
});

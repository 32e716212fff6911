/**
 * Issue 12 item 4: the bus never blocks the stream. A detail over EventBridge's PutEvents entry
 * limit (256 KB) is published as a reference to the stored event, and the local recording bus
 * refuses oversized entries as PutEvents does, so nothing here could pass by accident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { BUS_ENTRY_MAX_BYTES, busEntrySize } from '../../shared/ports/index.js';
import { apiCaller } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { postStripeWebhook } from '../support/stripe-webhook.js';

const SECRET = 'whsec_bus_limit_0123456789abcdef';

let rt: LocalRuntime;
let temp: TempSecrets;

beforeAll(async () => {
  temp = await writeTempSecrets('hb-bus-limit-', { 'hookbridge/webhooks/stripe': { secrets: [SECRET] } });
  rt = await startLocal({ port: 0, secretsFile: temp.secretsFile, apiKey: TEST_ADMIN_KEY });
}, 30_000);

afterAll(async () => {
  await rt?.close();
  await temp?.remove();
});

async function postStripe(id: string, object: Record<string, unknown>): Promise<string> {
  const payload = JSON.stringify({
    id,
    object: 'event',
    type: 'test.unmapped',
    created: 1,
    data: { object },
  });
  const res = await postStripeWebhook(rt.url, payload, SECRET);
  const json = (await res.json()) as { id: string };
  expect(res.status).toBe(200);
  await rt.pipeline.idle();
  return json.id;
}

describe('bus entries over the PutEvents limit', () => {
  it('an unmapped ~1 MB webhook is published as a reference; processing does not fail', async () => {
    const dead = rt.pipeline.streamDeadLetters.length;
    const id = await postStripe('evt_bus_big', { id: 'obj_big', blob: 'x'.repeat(1_050_000) });
    const entries = rt.pipeline.bus.published.filter((e) => e.id === id);
    expect(entries).toHaveLength(1);
    const detail = entries[0]!.detail as Record<string, unknown>;
    expect(detail).toEqual({
      id,
      type: 'stripe.raw',
      provider: 'stripe',
      sizeBytes: expect.any(Number),
      ref: `/events/${id}`,
      truncated: true,
    });
    expect(detail.sizeBytes as number).toBeGreaterThan(1_050_000);
    expect(busEntrySize(entries[0]!)).toBeLessThan(1000);
    expect(rt.pipeline.streamDeadLetters).toHaveLength(dead);
    // The reference resolves: the stored event is there to fetch.
    const api = apiCaller(() => rt.url, TEST_ADMIN_KEY);
    expect((await api('GET', detail.ref as string)).status).toBe(200);
  });

  it('an event under the limit is still published in full', async () => {
    const id = await postStripe('evt_bus_small', { id: 'obj_small', note: 'é'.repeat(1000) });
    const entry = rt.pipeline.bus.published.find((e) => e.id === id)!;
    expect(entry.detail).toMatchObject({ id, type: 'stripe.raw', payload: { type: 'test.unmapped' } });
    expect(entry.detail).not.toHaveProperty('truncated');
    expect(busEntrySize(entry)).toBeLessThanOrEqual(BUS_ENTRY_MAX_BYTES);
  });
});

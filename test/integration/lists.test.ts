/**
 * GET /destinations, GET /destinations/{id}/deliveries and GET /replays through the local gateway: `{ items, cursor? }` pages like
 * every other list, in a fixed order, with the sibling routes' scopes and 400s for bad input.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { apiCaller, type JsonBody as Body } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';

const ADMIN = TEST_ADMIN_KEY;
let temp: TempSecrets;
let rt: LocalRuntime;

const api = apiCaller(() => rt.url, ADMIN);

const putDestination = async (id: string) =>
  expect(
    (await api('PUT', `/destinations/${id}`, { url: `https://example.com/${id}`, types: ['payment.failed'] }))
      .status,
  ).toBe(201);

const keyWith = async (scopes: string[]) =>
  (await api('POST', '/api-keys', { name: scopes.join(' '), scopes })).json!.key as string;

beforeAll(async () => {
  temp = await writeTempSecrets('hb-lists-', {});
  rt = await startLocal({ port: 0, secretsFile: temp.secretsFile, apiKey: ADMIN });
});

afterAll(async () => {
  await rt?.close();
  await temp?.remove();
});

// Each test starts with no destination: the ones a test put are deleted after it.
afterEach(async () => {
  for (const d of (await api('GET', '/destinations')).json!.items as Body[])
    expect((await api('DELETE', `/destinations/${d.id}`)).status).toBe(204);
});

describe('GET /destinations', () => {
  it('is an empty list before any destination exists', async () => {
    expect(await api('GET', '/destinations')).toMatchObject({ status: 200, json: { items: [] } });
    expect((await api('GET', '/destinations')).json).not.toHaveProperty('cursor');
  });

  it('pages by id, the cursor absent on the last page', async () => {
    for (const id of ['dest-c', 'dest-a', 'dest-b']) await putDestination(id);
    const first = await api('GET', '/destinations?limit=2');
    expect(first.status).toBe(200);
    expect(first.json!.items.map((d: Body) => d.id)).toEqual(['dest-a', 'dest-b']);
    expect(first.json!.items[0]).toMatchObject({
      id: 'dest-a',
      url: 'https://example.com/dest-a',
      types: ['payment.failed'],
      status: 'enabled',
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(first.json!.items[0]).toEqual((await api('GET', '/destinations/dest-a')).json);
    expect(typeof first.json!.cursor).toBe('string');
    const rest = await api('GET', `/destinations?limit=2&cursor=${first.json!.cursor}`);
    expect(rest.status).toBe(200);
    expect(rest.json!.items.map((d: Body) => d.id)).toEqual(['dest-c']);
    expect(rest.json).not.toHaveProperty('cursor');
    const all = await api('GET', '/destinations');
    expect(all.json!.items.map((d: Body) => d.id)).toEqual(['dest-a', 'dest-b', 'dest-c']);
    expect(all.json).not.toHaveProperty('cursor');
  });

  it('answers 400 invalid_cursor, invalid_query, and the scopes of its siblings', async () => {
    const forged = Buffer.from(JSON.stringify({ pk: 'x', sk: 'y', gsi1pk: 'replays', gsi1sk: 'z' })).toString(
      'base64url',
    );
    for (const cursor of [forged, '!!!', 'e30'])
      expect(await api('GET', `/destinations?cursor=${cursor}`)).toMatchObject({
        status: 400,
        json: { code: 'invalid_cursor' },
      });
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'other=1'])
      expect(await api('GET', `/destinations?${q}`), q).toMatchObject({
        status: 400,
        json: { code: 'invalid_query', errors: [expect.objectContaining({ path: expect.any(String) })] },
      });
    const reader = await keyWith(['events:read']);
    expect(await api('GET', '/destinations', undefined, reader)).toMatchObject({
      status: 403,
      json: { code: 'insufficient_scope', requiredScope: 'destinations:write' },
    });
    expect((await api('GET', '/destinations', undefined, await keyWith(['destinations:write']))).status).toBe(
      200,
    );
    expect((await api('GET', '/destinations', undefined, 'hbk_nope')).status).toBe(401);
  });
});

describe('GET /destinations/{id}/deliveries', () => {
  it('is empty for a new destination, 404 for an unknown one, 400 for a bad query, and needs destinations:write', async () => {
    await putDestination('dest-dl');
    for (const q of ['', '?status=dead', '?status=pending&limit=1'])
      expect(await api('GET', `/destinations/dest-dl/deliveries${q}`), q).toEqual({
        status: 200,
        json: { items: [] },
      });
    expect(await api('GET', '/destinations/nope/deliveries')).toMatchObject({
      status: 404,
      json: { code: 'not_found' },
    });
    for (const q of ['status=delivered', 'limit=0', 'limit=101', 'other=1'])
      expect(await api('GET', `/destinations/dest-dl/deliveries?${q}`), q).toMatchObject({
        status: 400,
        json: { code: 'invalid_query' },
      });
    expect(await api('GET', '/destinations/dest-dl/deliveries?cursor=e30')).toMatchObject({
      status: 400,
      json: { code: 'invalid_cursor' },
    });
    const reader = await keyWith(['events:read']);
    expect(await api('GET', '/destinations/dest-dl/deliveries', undefined, reader)).toMatchObject({
      status: 403,
      json: { code: 'insufficient_scope', requiredScope: 'destinations:write' },
    });
  });
});

describe('GET /replays', () => {
  const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' };

  it('pages newest first, the cursor absent on the last page', async () => {
    expect(await api('GET', '/replays')).toMatchObject({ status: 200, json: { items: [] } });
    for (const id of ['rpl_first', 'rpl_second', 'rpl_third']) {
      expect((await api('POST', '/replays', { id, ...range })).status).toBe(202);
      // Distinct creation times, so the order is by time alone.
      await new Promise((r) => setTimeout(r, 5));
    }
    const first = await api('GET', '/replays?limit=2');
    expect(first.status).toBe(200);
    expect(first.json!.items.map((j: Body) => j.id)).toEqual(['rpl_third', 'rpl_second']);
    expect(first.json!.items[0]).toMatchObject({ id: 'rpl_third', ...range, status: expect.any(String) });
    const rest = await api('GET', `/replays?limit=2&cursor=${first.json!.cursor}`);
    expect(rest).toMatchObject({
      status: 200,
      json: { items: [expect.objectContaining({ id: 'rpl_first' })] },
    });
    expect(rest.json!.items).toHaveLength(1);
    expect(rest.json).not.toHaveProperty('cursor');
    // Resuming an existing job does not list it twice.
    expect((await api('POST', '/replays', { id: 'rpl_first', ...range })).status).toBe(200);
    expect((await api('GET', '/replays')).json!.items.map((j: Body) => j.id)).toEqual([
      'rpl_third',
      'rpl_second',
      'rpl_first',
    ]);
  });

  it('answers 400 invalid_cursor (a destinations cursor too) and needs events:replay', async () => {
    for (const id of ['rpl-dest-a', 'rpl-dest-b']) await putDestination(id);
    const destinationsCursor = (await api('GET', '/destinations?limit=1')).json!.cursor as string;
    expect(typeof destinationsCursor).toBe('string');
    expect(await api('GET', `/replays?cursor=${destinationsCursor}`)).toMatchObject({
      status: 400,
      json: { code: 'invalid_cursor' },
    });
    expect(await api('GET', '/replays', undefined, await keyWith(['events:read']))).toMatchObject({
      status: 403,
      json: { code: 'insufficient_scope', requiredScope: 'events:replay' },
    });
    expect((await api('GET', '/replays', undefined, await keyWith(['events:replay']))).status).toBe(200);
  });
});

describe('range checks', () => {
  it('refuses from after to with 400, on GET /events and POST /replays', async () => {
    const inverted = { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' };
    expect(await api('GET', `/events?from=${inverted.from}&to=${inverted.to}`)).toMatchObject({
      status: 400,
      json: { code: 'invalid_query', errors: [{ path: 'from', message: 'from must not be after to' }] },
    });
    expect(await api('POST', '/replays', inverted)).toMatchObject({
      status: 400,
      json: { code: 'invalid_request', errors: [{ path: 'from', message: 'from must not be after to' }] },
    });
  });
});

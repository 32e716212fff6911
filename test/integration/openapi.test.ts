/**
 * The served API document is valid OpenAPI 3.1 (two independent validators), and real answers of
 * the local runtime match the schemas it documents for their route, status and content type.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { signStandardWebhook } from '../../shared/webhooks/schemes/standard-webhooks.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';

const ADMIN = TEST_ADMIN_KEY;
const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const BASE = 'https://hookbridge.test/openapi.json';

type Json = Record<string, unknown>;
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
  components: Json;
}

let temp: TempSecrets;
let rt: LocalRuntime;
let text: string;
let doc: Doc;
let ajv: Ajv2020;

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsPlugin as unknown as (a: Ajv2020) => Ajv2020;

beforeAll(async () => {
  temp = await writeTempSecrets('hb-openapi-', {
    'hookbridge/webhooks/standard-webhooks': { secrets: [WEBHOOK_SECRET] },
  });
  rt = await startLocal({ port: 0, secretsFile: temp.secretsFile, apiKey: ADMIN });
  const res = await fetch(`${rt.url}/openapi.json`);
  expect(res.status).toBe(200);
  text = await res.text();
  doc = JSON.parse(text) as Doc;
  // The components as one schema resource; each checked schema's refs point into it.
  ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema({ $id: BASE, components: doc.components });
});

afterAll(async () => {
  await rt?.close();
  await temp?.remove();
});

const call = async (method: string, path: string, opts: { body?: string; key?: string | null } = {}) => {
  const key = opts.key === undefined ? ADMIN : opts.key;
  const res = await fetch(`${rt.url}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: opts.body,
  });
  return res;
};

/** Checks `res` against what the document promises for `method template` at its status. */
async function expectDocumented(method: string, template: string, res: Response): Promise<Json> {
  const op = doc.paths[template]?.[method.toLowerCase()];
  expect(op, `${method} ${template} is documented`).toBeDefined();
  const response = (op!.responses[String(res.status)] ?? op!.responses.default) as {
    content?: Record<string, { schema: Json }>;
  };
  expect(op!.responses[String(res.status)], `${method} ${template} documents ${res.status}`).toBeDefined();
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = response.content?.[type];
  expect(media, `${method} ${template} ${res.status} documents ${type}`).toBeDefined();
  const body = (await res.json()) as Json;
  const schema = JSON.parse(
    JSON.stringify(media!.schema).replaceAll('"#/components/', `"${BASE}#/components/`),
  );
  const validate = ajv.compile(schema);
  expect(validate(body) ? [] : validate.errors, `${method} ${template} ${res.status}`).toEqual([]);
  return body;
}

describe('the API document', () => {
  it('is valid OpenAPI 3.1 for swagger-parser', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(JSON.parse(text))).resolves.toBeDefined();
  });

  it('has no errors in redocly lint (recommended rules)', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: text, absoluteRef: BASE, config });
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.map((e) => `${e.ruleId}: ${e.message} at ${e.location[0]?.pointer}`)).toEqual([]);
  });

  it('keeps every schema under components.schemas, with every $ref resolving there', () => {
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    const schemas = doc.components.schemas as Json;
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
    expect(text).not.toContain('$defs');
  });

  it('documents the constraints the API enforces', () => {
    const schemas = doc.components.schemas as Record<string, { properties: Record<string, Json> }>;
    const put = doc.paths['/destinations/{id}']!.put as unknown as { parameters: Json[] };
    expect(put.parameters[0]).toMatchObject({
      name: 'id',
      schema: { pattern: '^[A-Za-z0-9_.:-]+$', minLength: 1, maxLength: 128 },
    });
    const secret = schemas.PutDestinationBody!.properties.secret as { pattern?: string; allOf?: Json[] };
    expect(JSON.stringify(secret)).toContain('{8,20}');
    const payment = doc.paths['/payments/{id}']!.get as unknown as { parameters: Json[] };
    expect(payment.parameters.map((p) => p.name)).toEqual(['id', 'provider']);
    const subscription = doc.paths['/subscriptions/{id}']!.get as unknown as { parameters: Json[] };
    expect(subscription.parameters.map((p) => p.name)).toEqual(['id', 'provider']);
    const replay = doc.paths['/events/{id}/replay']!.post as unknown as { requestBody: Json };
    expect(replay.requestBody.required).toBe(false);
    expect(JSON.stringify(schemas.StartReplayBody)).toContain('from <= to');
    const problem = schemas.Problem!.properties;
    for (const member of ['errors', 'reason', 'requiredScope', 'providers', 'connectionId'])
      expect(problem[member], member).toBeDefined();
  });

  it('documents 404 where a resource may be missing, and HTML pages on the browser routes', () => {
    for (const [path, method] of [
      ['/destinations/{id}', 'get'],
      ['/events/{id}', 'get'],
      ['/replays/{id}', 'get'],
      ['/connections/{id}', 'get'],
      ['/payments/{id}', 'get'],
      ['/api-keys/{id}', 'delete'],
    ] as const)
      expect(doc.paths[path]![method]!.responses['404'], `${method} ${path}`).toBeDefined();
    for (const path of ['/oauth/authorize', '/oauth/callback']) {
      const responses = doc.paths[path]!.get!.responses as Record<string, { content?: Json }>;
      expect(Object.keys(responses['400']!.content!)).toEqual(['text/html']);
      expect(responses['302']).toMatchObject({ headers: { Location: { required: true } } });
    }
  });
});

describe('real answers match their documented schemas', () => {
  it('a stored webhook, the event list and the event detail', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', timestamp: new Date().toISOString(), data: {} });
    const headers = signStandardWebhook(WEBHOOK_SECRET, 'msg_openapi_1', Math.floor(Date.now() / 1000), body);
    const stored = await fetch(`${rt.url}/webhooks/standard-webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    expect(stored.status).toBe(200);
    const { id } = await expectDocumented('POST', '/webhooks/{provider}', stored);
    const list = await expectDocumented('GET', '/events', await call('GET', '/events?limit=1'));
    expect((list.items as Json[])[0]).toMatchObject({ id });
    await expectDocumented('GET', '/events/{id}', await call('GET', `/events/${id as string}`));
  });

  it('GET /event-types and the webhooks section: the same types, each example valid against its schema', async () => {
    const res = await call('GET', '/event-types', { key: null });
    const body = await expectDocumented('GET', '/event-types', res);
    const items = body.items as { type: string; schema: Json; example: unknown }[];
    expect(items.map((i) => i.type)).toContain('payment.succeeded');
    expect(items.map((i) => i.type)).toContain('stripe.raw');
    const webhooks = (doc as unknown as { webhooks: Record<string, { post: Json }> }).webhooks;
    expect(Object.keys(webhooks)).toEqual(items.map((i) => i.type));
    for (const item of items) {
      expect(ajv.validate(item.schema, item.example), `${item.type}: ${ajv.errorsText()}`).toBe(true);
      const media = (webhooks[item.type]!.post.requestBody as { content: Record<string, Json> }).content[
        'application/json'
      ]!;
      expect(media.example).toEqual(item.example);
      const schema = JSON.parse(
        JSON.stringify(media.schema).replaceAll('"#/components/', `"${BASE}#/components/`),
      );
      expect(ajv.validate(schema, item.example), `webhooks ${item.type}: ${ajv.errorsText()}`).toBe(true);
    }
  });

  it('a destination PUT and GET', async () => {
    const put = await call('PUT', '/destinations/doc-dest', {
      body: JSON.stringify({ url: 'https://example.com/hooks', types: ['connection.revoked'] }),
    });
    expect(put.status).toBe(201);
    await expectDocumented('PUT', '/destinations/{id}', put);
    await expectDocumented('GET', '/destinations/{id}', await call('GET', '/destinations/doc-dest'));
    const list = await expectDocumented('GET', '/destinations', await call('GET', '/destinations?limit=1'));
    expect(list.items).toHaveLength(1);
  });

  it('a bulk replay and the replay list', async () => {
    const range = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' };
    const started = await call('POST', '/replays', { body: JSON.stringify(range) });
    expect(started.status).toBe(202);
    await expectDocumented('POST', '/replays', started);
    await expectDocumented('GET', '/replays', await call('GET', '/replays'));
  });

  it('problem+json 400, 401, 403 and 404', async () => {
    const bad = await call('PUT', '/destinations/doc-dest', { body: JSON.stringify({ url: 'ftp://x' }) });
    expect(bad.status).toBe(400);
    expect(await expectDocumented('PUT', '/destinations/{id}', bad)).toMatchObject({
      code: 'invalid_request',
    });
    const anonymous = await call('GET', '/events', { key: null });
    expect(anonymous.status).toBe(401);
    await expectDocumented('GET', '/events', anonymous);
    const missing = await call('GET', '/destinations/nope');
    expect(missing.status).toBe(404);
    await expectDocumented('GET', '/destinations/{id}', missing);
    const badQuery = await call('GET', '/events?limit=0');
    expect(badQuery.status).toBe(400);
    expect(await expectDocumented('GET', '/events', badQuery)).toMatchObject({
      code: 'invalid_query',
      errors: [{ path: 'limit' }],
    });
  });

  it('GET /health, GET /health/ready and GET /openapi.json', async () => {
    await expectDocumented('GET', '/health', await call('GET', '/health', { key: null }));
    await expectDocumented('GET', '/health/ready', await call('GET', '/health/ready', { key: null }));
    await expectDocumented('GET', '/openapi.json', await call('GET', '/openapi.json', { key: null }));
  });
});

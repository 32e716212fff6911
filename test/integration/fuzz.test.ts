/**
 * The API fuzzed from its own served OpenAPI document: for every operation, fast-check builds
 * requests from the documented parameters and body schemas and then breaks them (hostile path
 * segments, wrong query types, forged cursors, garbage auth and content types, huge headers,
 * bodies that are not JSON, deep, huge or of the wrong shape, signed and unsigned webhooks;
 * test/support/fuzz-requests.ts). Every answer must be no 5xx, a status the document lists for the
 * operation (or the API-wide 404 / 405 it describes, or the local gateway's 431), in a documented
 * media type, with a body that validates against the documented schema; a 4xx is problem+json off
 * the browser routes. Seeded (FUZZ_SEED), so a failure replays exactly. Then the bugs it found,
 * pinned one by one, and the gateway's answer to requests node:http cannot parse.
 */
import http from 'node:http';
import { connect } from 'node:net';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../infra/local/webhook-signers.js';
import { apiCaller } from '../support/api.js';
import {
  type DocOperation,
  type DocResponse,
  type FuzzRequest,
  requestOf,
} from '../support/fuzz-requests.js';
import { TEST_ADMIN_KEY } from '../support/local-runtime.js';
import { expectProblem } from '../support/problem.js';
import { useLocalRuntime } from '../support/runtime-hooks.js';
import type { JsonSchema } from '../support/schema-arbitrary.js';
import { WEBHOOK_SECRETS } from '../support/webhook-secrets.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_112);
/** Requests per operation (before shrinking a failure). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const ADMIN = TEST_ADMIN_KEY;
/** A second source per provider, for /webhooks/{provider}/{sourceId}. */
const SOURCE = 'fz';
const BASE = 'https://hookbridge.test/openapi.json';
/** Answers the document describes for the whole API (404 no such path, 405 another method), and the local gateway's header limit. */
const API_WIDE = new Set([404, 405, 431]);
const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

interface Doc {
  paths: Record<string, Record<string, DocOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const secrets: Record<string, unknown> = {};
for (const [provider, secret] of Object.entries(WEBHOOK_SECRETS)) {
  secrets[`hookbridge/webhooks/${provider}`] = secret;
  secrets[`hookbridge/webhooks/${provider}/${SOURCE}`] = secret;
}
const logLines: string[] = [];
// Offline: every host resolves to a public test address and every outbound call answers 204.
const runtime = useLocalRuntime('hb-fuzz-', secrets, {
  overrides: {
    resolver: async () => [{ address: '203.0.113.7', family: 4 }],
    transport: async () => ({ status: 204, headers: {}, body: Buffer.alloc(0) }),
    logWrite: (line) => logLines.push(line),
  },
});
const api = apiCaller(() => runtime().url, ADMIN);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let doc: Doc;
let ajv: Ajv2020;
let scopedKey: string;
const statuses = new Map<number, number>();
let fuzzed = 0;

const addFormats = addFormatsPlugin as unknown as (a: Ajv2020) => Ajv2020;

/** Sends `r` exactly as built (path bytes, headers, body) over one keep-alive connection. */
function send(r: FuzzRequest): Promise<Answer> {
  const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
  const headers = body ? { ...r.headers, 'content-length': String(body.length) } : r.headers;
  const options = { host: '127.0.0.1', port: runtime().port, method: r.method, path: r.path, headers, agent };
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error('no answer in 15 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs a webhook request at send time, when it asks to be. */
function signed(r: FuzzRequest): FuzzRequest {
  if (!r.sign) return r;
  const { provider } = r.sign;
  const url = `${runtime().url}${r.path}`;
  try {
    const s = signWebhook(provider, { url, secret: WEBHOOK_SECRETS[provider]!, body: r.body });
    return { ...r, headers: { ...r.headers, ...s.headers }, body: s.body };
  } catch {
    // Some signers read the payload (Adyen signs fields of each item): this body goes out unsigned.
    return r;
  }
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile(JSON.parse(key.replaceAll('"#/components/', `"${BASE}#/components/`)));
    validators.set(key, v);
  }
  return v;
}

/** What is wrong with the body `a` carries as `documented` (nothing: []). */
function bodyBreaks(documented: DocResponse, type: string, a: Answer): string[] {
  if (!documented.content) return a.text && a.status !== 200 ? ['a body where none is documented'] : [];
  const media = documented.content[type];
  if (!media) return [`${type || 'no content type'} is not documented for ${a.status}`];
  let body: unknown = a.text;
  if (type.endsWith('json')) {
    try {
      body = JSON.parse(a.text);
    } catch {
      return ['a JSON media type with a body that is not JSON'];
    }
  }
  const validate = validatorFor(media.schema);
  if (!validate(body)) return [`the body breaks its schema: ${ajv.errorsText(validate.errors)}`];
  if (type === 'application/problem+json' && (body as { status?: unknown }).status !== a.status)
    return ['the problem status differs from the HTTP status'];
  return [];
}

/**
 * The documented operation a request made with another method reaches on another template (PUT
 * /reconcilers/a/run is PUT /reconcilers/{provider}/{sourceId}), if any.
 */
function otherRoute(r: FuzzRequest): Doc['paths'][string][string] | undefined {
  const path = r.path.split('?')[0]!;
  for (const [template, methods] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const op = methods[r.method.toLowerCase()];
    if (op && pattern.test(path)) return op;
  }
  return undefined;
}

/** What is wrong with `a` as the answer to `r` on `template` (nothing: []). */
function contractBreaks(template: string, r: FuzzRequest, a: Answer): string[] {
  const op = doc.paths[template]?.[r.method.toLowerCase()] ?? otherRoute(r);
  const documented: DocResponse | undefined =
    op?.responses[String(a.status)] ?? (API_WIDE.has(a.status) ? { content: PROBLEM } : undefined);
  const breaks: string[] = [];
  if (a.status >= 500) breaks.push(`a ${a.status}`);
  if (!documented) return [...breaks, `status ${a.status} is not documented`];
  if (/\n\s+at /.test(a.text)) breaks.push('a stack trace in the body');
  if (a.status === 405 && !a.headers.allow) breaks.push('405 without Allow');
  const type = (a.headers['content-type'] ?? '').split(';')[0]!.trim();
  const browser = op?.['x-hookbridge-auth'] === 'browser';
  if (a.status >= 400 && !browser && type !== 'application/problem+json')
    breaks.push(`a ${a.status} as ${type}`);
  // A HEAD answer has the GET answer's headers and no body.
  return r.method === 'HEAD' ? breaks : [...breaks, ...bodyBreaks(documented, type, a)];
}

const cut = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
const show = (r: FuzzRequest) =>
  `${r.method} ${cut(r.path)} ${cut(JSON.stringify(r.headers), 300)} body=${cut(r.body ?? '<none>')}${r.sign ? ' (signed)' : ''}`;

beforeAll(async () => {
  const res = await fetch(`${runtime().url}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
  ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema({ $id: BASE, components: doc.components });
  // A key that authenticates but lacks almost every scope (403 insufficient_scope).
  const key = await api('POST', '/api-keys', { name: 'fuzz-scoped', scopes: ['events:read'] });
  expect(key.status).toBe(201);
  scopedKey = key.json!.key as string;
});

afterAll(() => {
  agent.destroy();
});

describe('the API fuzzed from its OpenAPI document', () => {
  // One test: the second step checks what the first left behind.
  it('answers every request within its documented contract, never a 5xx, and leaves nothing failing behind', {
    timeout: 70_000,
  }, async () => {
    // Step 1: every operation fuzzed, every answer within its contract.
    const operations = Object.entries(doc.paths).flatMap(([template, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ template, method, op })),
    );
    expect(operations.length).toBeGreaterThan(40);
    const resolveRef = (ref: string) =>
      doc.components.schemas[ref.replace('#/components/schemas/', '')] ?? {};
    const ctx = {
      resolveRef,
      adminKey: ADMIN,
      scopedKey,
      signedProviders: Object.keys(WEBHOOK_SECRETS),
      source: SOURCE,
    };
    for (const [i, { template, method, op }] of operations.entries()) {
      const property = fc.asyncProperty(requestOf(ctx, template, method, op), async (r) => {
        const a = await send(signed(r));
        fuzzed++;
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        const where = `${method.toUpperCase()} ${template}: ${show(r)} -> ${a.status} ${cut(a.text, 400)}`;
        expect(contractBreaks(template, r, a), where).toEqual([]);
      });
      await fc.assert(property, { seed: SEED + i, numRuns: RUNS });
    }
    const by = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
    console.log(
      `fuzz: seed ${SEED}, ${fuzzed} requests over ${operations.length} operations (${by.join(', ')})`,
    );
    expect(fuzzed).toBeGreaterThanOrEqual(operations.length * RUNS);

    // Step 2: nothing failing left behind: no dead letters, no error logged, no secret in any log line.
    await runtime().pipeline.idle(20_000);
    expect(runtime().pipeline.streamDeadLetters).toEqual([]);
    expect(runtime().pipeline.queueDeadLetters).toEqual([]);
    expect(logLines.length).toBeGreaterThan(100);
    expect(logLines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    const known = [ADMIN, scopedKey, ...Object.values(WEBHOOK_SECRETS).flatMap((s) => s.secrets)];
    expect(known.filter((secret) => logLines.some((l) => l.includes(secret)))).toEqual([]);
  });
});

describe('what the fuzzer found, pinned', () => {
  it('answers a JSON body nested 5,000 deep with 400 invalid_json, storing nothing (was a 500 stack overflow)', async () => {
    const before = (await api('GET', '/api-keys')).json!.items.length;
    const res = await fetch(`${runtime().url}/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
    });
    const body = await expectProblem(res, 400, 'invalid_json');
    expect(body.detail).toBe('The JSON body is nested deeper than 64 levels');
    expect((await api('GET', '/api-keys')).json!.items.length).toBe(before);
  });

  it('answers a proxy id over 128 characters with 400 naming it (was a 500: the store refused the key)', async () => {
    const long = 'a'.repeat(3_000);
    for (const [path, param] of [
      [`/proxy/${long}/v1/x`, 'connectionId'],
      [`/proxy/integrations/${long}/v1/x`, 'integrationId'],
    ] as const) {
      const res = await fetch(`${runtime().url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const body = await expectProblem(res, 400, 'invalid_request');
      expect(body.errors, param).toEqual([{ path: param, message: expect.stringContaining('128') }]);
    }
  });

  it('refuses a signed webhook whose body nests 15,000 deep with 413, storing nothing (was stored, then failed processing)', async () => {
    const before = (await api('GET', '/events?provider=github&limit=200')).json!.items.length;
    const url = `${runtime().url}/webhooks/github`;
    const s = signWebhook('github', {
      url,
      secret: WEBHOOK_SECRETS.github!,
      body: `${'['.repeat(15_000)}${']'.repeat(15_000)}`,
    });
    const body = await expectProblem(
      await fetch(url, { method: 'POST', headers: s.headers, body: s.body }),
      413,
      'payload_too_large',
    );
    expect(body.detail).toBe('The event body nests deeper than 64 levels');
    expect((await api('GET', '/events?provider=github&limit=200')).json!.items.length).toBe(before);
  });

  it('documents HEAD and OPTIONS on the proxy routes, which answer every method (was undocumented)', async () => {
    for (const template of ['/proxy/{connectionId}/{path}', '/proxy/integrations/{integrationId}/{path}'])
      expect(Object.keys(doc.paths[template]!).sort()).toEqual([
        'delete',
        'get',
        'head',
        'options',
        'patch',
        'post',
        'put',
      ]);
    const res = await fetch(`${runtime().url}/proxy/conn_none/v1/x`, {
      method: 'OPTIONS',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    await expectProblem(res, 404, 'not_found');
  });
});

/** Writes `request` on a raw socket and reads until the server closes it. */
function rawExchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(runtime().port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
  });
}

const parseRaw = (text: string) => {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { statusLine, headers, body: JSON.parse(body) as Record<string, unknown> };
};

describe('requests node:http cannot parse', () => {
  it('answers headers over 16 KB with 431 problem+json naming the limit, then closes', async () => {
    const answer = parseRaw(
      await rawExchange(`GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'h'.repeat(17_000)}\r\n\r\n`),
    );
    expect(answer.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.headers).toMatchObject({ 'content-type': 'application/problem+json', connection: 'close' });
    expect(answer.body).toMatchObject({
      status: 431,
      code: 'headers_too_large',
      detail: 'The request headers exceed the 16 KB limit',
    });
    expect(validatorFor({ $ref: '#/components/schemas/Problem' })(answer.body)).toBe(true);
  });

  it('answers a request that is not HTTP/1.1 with 400 problem+json', async () => {
    const answer = parseRaw(await rawExchange('GET /health HTTP/1.1\r\nbad header line\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.body).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('still answers headers just under the limit normally', async () => {
    const res = await fetch(`${runtime().url}/health`, { headers: { 'x-big': 'h'.repeat(15_000) } });
    expect(res.status).toBe(200);
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, REPO_ROOT, startLocal } from '../../infra/local/server.js';
import { ROUTES } from '../../infra/routes.js';
import { TEST_ADMIN_KEY } from '../support/local-runtime.js';
import { expectProblem as expectProblemAnswer } from '../support/problem.js';

const ADMIN = TEST_ADMIN_KEY;
let dir: string;
let rt: LocalRuntime;

const call = (path: string, init: RequestInit & { key?: string } = {}) => {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('authorization', `Bearer ${init.key}`);
  return fetch(`${rt.url}${path}`, { ...init, headers });
};

/** POST /api-keys as the admin, with this raw body. */
const postApiKey = (body: BodyInit) =>
  call('/api-keys', { method: 'POST', key: ADMIN, headers: { 'content-type': 'application/json' }, body });

/** A problem answer that also shows no stack frame. */
async function expectProblem(res: Response, status: number, code: string) {
  const body = await expectProblemAnswer(res, status, code);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  return body;
}

/** The runtime on this file's data dir: a restart keeps what the earlier one stored. */
const start = () =>
  startLocal({ port: 0, dataDir: join(dir, 'data'), secretsFile: join(dir, 'secrets.json'), apiKey: ADMIN });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-foundation-'));
  rt = await start();
});

afterAll(async () => {
  await rt?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('local runtime', () => {
  it('answers /health with the backends in use', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', store: 'dynalite', secrets: 'file' });
  });

  it('writes dev secrets to a 0600 file', async () => {
    const s = await stat(rt.secretsFile);
    expect(s.mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(await readFile(rt.secretsFile, 'utf8'));
    expect(secrets['hookbridge/admin'].apiKey).toMatch(/^hb_dev_/);
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    await expectProblem(await call('/no/such/route'), 404, 'not_found');
    const res = await call('/health', { method: 'DELETE' });
    expect(res.headers.get('allow')).toBe('GET');
    await expectProblem(res, 405, 'method_not_allowed');
  });

  it('answers 413 for a body over 10 MB, and stores nothing', async () => {
    const res = await postApiKey(Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    await expectProblem(res, 413, 'payload_too_large');
  });

  it('requires a valid API key (401) with the right scope (403)', async () => {
    const missing = await call('/api-keys');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="hookbridge"');
    await expectProblem(missing, 401, 'unauthorized');
    const wrong = await call('/api-keys', { key: 'wrong-key-wrong-key' });
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await expectProblem(wrong, 401, 'unauthorized');
    await expectProblem(
      await call('/api-keys', { headers: { authorization: `Basic ${ADMIN}` } }),
      401,
      'unauthorized',
    );

    const created = await postApiKey(JSON.stringify({ name: 'reader', scopes: ['events:read'] }));
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const body = await expectProblem(await call('/api-keys', { key }), 403, 'insufficient_scope');
    expect(body.requiredScope).toBe('admin');
  });

  it('rejects malformed and invalid JSON with a 400 naming the problem, and stores nothing', async () => {
    const before = ((await (await call('/api-keys', { key: ADMIN })).json()) as { items: unknown[] }).items
      .length;
    const bad = await expectProblem(await postApiKey('{"name": '), 400, 'invalid_json');
    expect(bad.detail).toMatch(/Malformed JSON/);
    const invalid = await expectProblem(
      await postApiKey('{"name":"x","scopes":["root"]}'),
      400,
      'invalid_request',
    );
    expect(invalid.detail).toMatch(/scopes\.0/);
    await expectProblem(
      await postApiKey('{"name":"x","scopes":["admin"],"extra":1}'),
      400,
      'invalid_request',
    );
    const after = ((await (await call('/api-keys', { key: ADMIN })).json()) as { items: unknown[] }).items
      .length;
    expect(after).toBe(before);
  });

  it('creates, lists and revokes keys; a revoked key stops working; hashes are never shown', async () => {
    const res = await postApiKey(JSON.stringify({ name: 'ops', scopes: ['admin'] }));
    const created = (await res.json()) as { id: string; key: string };
    expect((await call('/api-keys', { key: created.key })).status).toBe(200);
    const list = (await (await call('/api-keys', { key: ADMIN })).json()) as {
      items: Record<string, unknown>[];
    };
    const item = list.items.find((i) => i.id === created.id)!;
    expect(item).toMatchObject({ name: 'ops', scopes: ['admin'] });
    expect(item).not.toHaveProperty('hash');
    expect(item).not.toHaveProperty('key');
    expect((await call(`/api-keys/${created.id}`, { method: 'DELETE', key: ADMIN })).status).toBe(204);
    await expectProblem(await call('/api-keys', { key: created.key }), 401, 'unauthorized');
    await expectProblem(
      await call('/api-keys/000000000000', { method: 'DELETE', key: ADMIN }),
      404,
      'not_found',
    );
  });

  it('serves an OpenAPI document listing every route in the route table', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ROUTES) {
      const methods = r.method === 'ANY' ? ['get', 'post'] : [r.method.toLowerCase()];
      const path = r.path.replace('{path+}', '{path}');
      for (const m of methods) expect(doc.paths[path]?.[m], `${r.method} ${r.path}`).toBeDefined();
    }
    expect(JSON.stringify((doc as { components?: unknown }).components)).toContain('"scopes"');
    expect(Object.keys(doc.paths).some((p) => p.includes('+'))).toBe(false);
    const receive = doc.paths['/webhooks/{provider}']!.post as { responses: Record<string, unknown> };
    expect(Object.keys(receive.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404', '503']),
    );
  });

  it('keeps an API key across a restart with --data-dir', async () => {
    const res = await postApiKey(JSON.stringify({ name: 'survivor', scopes: ['admin'] }));
    const { key } = (await res.json()) as { key: string };
    await rt.close();
    rt = await start();
    const after = await call('/api-keys', { key });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { items: { name: string }[] }).items.map((i) => i.name)).toContain(
      'survivor',
    );
  });

  it('answers 503 (never 2xx) when the store is down', async () => {
    await rt.stopStore();
    try {
      const res = await postApiKey(JSON.stringify({ name: 'lost', scopes: ['admin'] }));
      await expectProblem(res, 503, 'store_unavailable');
    } finally {
      // The other tests need the store: start again on the same data dir.
      await rt.close();
      rt = await start();
    }
    const keys = (await (await call('/api-keys', { key: ADMIN })).json()) as { items: { name: string }[] };
    expect(keys.items.map((i) => i.name)).not.toContain('lost');
  });
});

describe('npm start', () => {
  it('starts, prints the base URL and key, answers /health, and stops cleanly on SIGTERM', async () => {
    const secretsFile = join(dir, 'start-secrets.json');
    await writeFile(secretsFile, JSON.stringify({ 'hookbridge/admin': '{"apiKey":"from-file-0123456789"}' }));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'infra/local/main.ts', '--port', '0', '--secrets-file', secretsFile],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          HOOKBRIDGE_API_KEY: '',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /"msg":"ready","url":"([^"]+)"/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    expect(out).toContain(`Hookbridge is running at ${url}`);
    expect(out).toContain(secretsFile);
    expect(out).not.toContain('from-file-0123456789');
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    // The secret may be written as a string holding JSON: the admin key from it works.
    expect(
      (await fetch(`${url}/api-keys`, { headers: { authorization: 'Bearer from-file-0123456789' } })).status,
    ).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});

describe('API Gateway fidelity through the HTTP server', () => {
  it('hands the handler the exact v2.0 event: joined headers, cookies, query, path parameters, base64 body', async () => {
    const original = rt.handlers.get('meta')!;
    let event: APIGatewayProxyEventV2 | undefined;
    rt.handlers.set('meta', async (e) => {
      event = e;
      return {
        statusCode: 201,
        cookies: ['a=1; HttpOnly', 'b=2'],
        headers: { 'x-out': 'y' },
        body: Buffer.from([0, 1, 2]).toString('base64'),
        isBase64Encoded: true,
      };
    });
    try {
      const res = await new Promise<{ status: number; setCookie: string[] | undefined; body: Buffer }>(
        (resolve, reject) => {
          const url = new URL(`${rt.url}/no/such/route?tag=a&tag=b&x=%20y`);
          const r = request(
            {
              host: url.hostname,
              port: url.port,
              path: `${url.pathname}${url.search}`,
              method: 'POST',
              // A flat raw header list (how node:http sends one header twice); it sets no Host of its own.
              headers: [
                'Host',
                url.host,
                'X-Dup',
                'a',
                'X-Dup',
                'b',
                'Cookie',
                'c1=1; c2=2',
                'Content-Type',
                'application/x-www-form-urlencoded',
              ] as never,
            },
            (out) => {
              const chunks: Buffer[] = [];
              out.on('data', (c: Buffer) => chunks.push(c));
              out.on('end', () =>
                resolve({
                  status: out.statusCode!,
                  setCookie: out.headers['set-cookie'],
                  body: Buffer.concat(chunks),
                }),
              );
            },
          );
          r.on('error', reject);
          r.end('a=1&b=%20');
        },
      );
      expect(res.status).toBe(201);
      expect(res.setCookie).toEqual(['a=1; HttpOnly', 'b=2']);
      expect([...res.body]).toEqual([0, 1, 2]);
      expect(event!.routeKey).toBe('$default');
      expect(event!.headers['x-dup']).toBe('a,b');
      expect(event!.headers.cookie).toBeUndefined();
      expect(event!.cookies).toEqual(['c1=1', 'c2=2']);
      expect(event!.rawQueryString).toBe('tag=a&tag=b&x=%20y');
      expect(event!.queryStringParameters).toEqual({ tag: 'a,b', x: ' y' });
      expect(event!.isBase64Encoded).toBe(true);
      expect(Buffer.from(event!.body!, 'base64').toString()).toBe('a=1&b=%20');
    } finally {
      rt.handlers.set('meta', original);
    }
  });

  it('fills path parameters for a matched route', async () => {
    const original = rt.handlers.get('api-keys')!;
    let event: APIGatewayProxyEventV2 | undefined;
    rt.handlers.set('api-keys', async (e) => {
      event = e;
      return { statusCode: 204 };
    });
    try {
      expect((await call('/api-keys/abc%20d', { method: 'DELETE' })).status).toBe(204);
      expect(event!.routeKey).toBe('DELETE /api-keys/{id}');
      expect(event!.pathParameters).toEqual({ id: 'abc d' });
    } finally {
      rt.handlers.set('api-keys', original);
    }
  });
});

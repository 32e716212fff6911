/** A JSON API caller for tests against a running local runtime. */
import { type RequestOptions, request } from 'node:http';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
export type JsonBody = Record<string, any>;

export interface ApiAnswer {
  status: number;
  json: JsonBody | undefined;
}

/** `api(method, path, body?, key?)` against `baseUrl()` (read per call: the runtime starts in beforeAll). */
export const apiCaller =
  (baseUrl: () => string, defaultKey: string) =>
  async (method: string, path: string, body?: unknown, key = defaultKey): Promise<ApiAnswer> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: text ? (JSON.parse(text) as JsonBody) : undefined,
    };
  };

/**
 * One request through node:http as given: what fetch would change (the Proxy-Authorization
 * header; dot segments, when the target is options with a `path`, not a URL) reaches the server.
 */
export const rawRequest = (target: string | RequestOptions, options: RequestOptions = {}, body?: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = typeof target === 'string' ? request(target, options) : request({ ...target, ...options });
    req.on('response', (r) => {
      let text = '';
      r.on('data', (c: Buffer) => {
        text += c.toString();
      });
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });

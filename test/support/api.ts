/** A JSON API caller for tests against a running local runtime. */

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

import * as z from 'zod/mini';
import { HookbridgeError } from '../errors.js';
import type { Page } from '../ports/stores.js';

export interface HttpRequest {
  routeKey: string;
  method: string;
  rawPath: string;
  rawQueryString: string;
  pathParameters: Record<string, string>;
  /** Query parameters; repeated keys are comma-joined, as API Gateway does. */
  query: Record<string, string>;
  /** Lower-cased header names; repeated headers comma-joined. */
  headers: Record<string, string>;
  cookies: string[];
  /** The body exactly as the sender sent it. */
  rawBody: Buffer;
  requestId: string;
  sourceIp: string;
  /** The public base URL the request came in on (scheme://host[/stage]). */
  baseUrl: string;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string or bytes is sent as is; anything else is JSON-encoded. */
  body?: unknown;
  cookies?: string[];
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): HttpResponse => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

/** The one answer shape of every list: `{ items, cursor? }`, the cursor absent on the last page. */
export const pageBody = <T, V = T>(page: Page<T>, view: (t: T) => V = (t) => t as unknown as V) => ({
  items: page.items.map(view),
  ...(page.cursor ? { cursor: page.cursor } : {}),
});

export const noContent = (): HttpResponse => ({ status: 204 });

export const redirect = (location: string, cookies?: string[]): HttpResponse => ({
  status: 302,
  headers: { location, 'cache-control': 'no-store' },
  ...(cookies ? { cookies } : {}),
});

export const html = (status: number, body: string, cookies?: string[]): HttpResponse => ({
  status,
  body,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'x-frame-options': 'DENY',
  },
  ...(cookies ? { cookies } : {}),
});

const issuesOf = (err: z.core.$ZodError) =>
  err.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));

const describe = (errors: { path: string; message: string }[]) =>
  errors
    .slice(0, 5)
    .map((e) => `${e.path}: ${e.message}`)
    .join('; ');

/** `application/json`, with or without parameters (`; charset=utf-8`). */
const JSON_TYPE = /^application\/json\s*(;.*)?$/i;

/** Nesting a JSON body may have: deeper is a 400 before anything walks it (not a stack overflow). */
export const MAX_JSON_DEPTH = 64;

/** The path of the first string (or member name) in a JSON value holding a lone surrogate. */
function loneSurrogateAt(v: unknown, path: string[] = []): string | undefined {
  if (path.length > MAX_JSON_DEPTH)
    throw new HookbridgeError('invalid_json', `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (typeof v === 'string') return /\p{Cs}/u.test(v) ? path.join('.') || '(root)' : undefined;
  if (v === null || typeof v !== 'object') return undefined;
  for (const [k, child] of Object.entries(v)) {
    if (/\p{Cs}/u.test(k)) return [...path, k].join('.');
    const at = loneSurrogateAt(child, [...path, k]);
    if (at !== undefined) return at;
  }
  return undefined;
}

/**
 * Parses the JSON body against a schema. A body not sent as `application/json` is a 415; malformed
 * JSON, nesting deeper than MAX_JSON_DEPTH, a string with a lone surrogate (not Unicode text) and
 * schema failures are 400s that say what is wrong.
 */
export function parseJsonBody<T>(req: HttpRequest, schema: z.core.$ZodType<T>): T {
  const type = req.headers['content-type'] ?? '';
  if (!JSON_TYPE.test(type.trim()))
    throw new HookbridgeError(
      'unsupported_media_type',
      `The body must be sent as Content-Type: application/json${type ? ` (not ${type.slice(0, 100)})` : ''}`,
    );
  const text = req.rawBody.toString('utf8');
  let value: unknown;
  try {
    value = text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    throw new HookbridgeError('invalid_json', `Malformed JSON body: ${(err as Error).message}`);
  }
  if (value === undefined) throw new HookbridgeError('invalid_json', 'A JSON body is required');
  const at = loneSurrogateAt(value);
  if (at !== undefined) {
    const errors = [{ path: at, message: 'must be Unicode text (it holds a lone surrogate)' }];
    throw new HookbridgeError('invalid_request', describe(errors), { extensions: { errors } });
  }
  return checked(schema, value, 'invalid_request');
}

/** Parses `value` against `schema`; a failure is a 400 with `code`, naming each field that is wrong. */
function checked<T>(
  schema: z.core.$ZodType<T>,
  value: unknown,
  code: 'invalid_request' | 'invalid_query',
): T {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data;
  const errors = issuesOf(parsed.error);
  throw new HookbridgeError(code, describe(errors), { extensions: { errors } });
}

export const parseQuery = <T>(req: HttpRequest, schema: z.core.$ZodType<T>): T =>
  checked(schema, req.query, 'invalid_query');

export const parseParams = <T>(req: HttpRequest, schema: z.core.$ZodType<T>): T =>
  checked(schema, req.pathParameters, 'invalid_request');

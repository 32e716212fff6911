/** The CLI's calls to the Hookbridge API: JSON in and out, every failure one CliError with its exit code. */
import { CliError, causeOf } from '../cli.js';
import { EXIT } from './exit.js';
import type { Target } from './target.js';

// biome-ignore lint/suspicious/noExplicitAny: API answers are read field by field
export type Json = Record<string, any>;

export interface CallOptions {
  body?: unknown;
  /** Statuses returned to the caller instead of failing (e.g. 404 when looking something up). */
  allow?: readonly number[];
  /** Aborts the call (Ctrl-C); the call then rejects with the signal's reason. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface Answer {
  status: number;
  json: Json;
}

const problemLine = (json: Json): string =>
  [json.code ?? json.title, json.detail].filter((s) => typeof s === 'string' && s).join(': ') || 'no detail';

export type Api = (method: string, path: string, opts?: CallOptions) => Promise<Answer>;

export function apiFor(target: Target): Api {
  return async (method, path, opts = {}) => {
    const key = await target.apiKey();
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000), ...(opts.signal ? [opts.signal] : [])];
    let res: Response;
    try {
      res = await fetch(`${target.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          accept: 'application/json',
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw unreachable(target.url, err);
    }
    const text = await res.text().catch(() => '');
    let json: Json = {};
    try {
      json = text ? (JSON.parse(text) as Json) : {};
    } catch {
      throw new CliError(
        `${method} ${path} at ${target.url} answered ${res.status} with a body that is not JSON: check that --url names a Hookbridge`,
        EXIT.failure,
      );
    }
    if (res.ok || opts.allow?.includes(res.status)) return { status: res.status, json };
    throw refusal(target.url, method, path, res.status, json);
  };
}

export const unreachable = (url: string, err: unknown): CliError =>
  new CliError(
    `cannot reach Hookbridge at ${url} (${causeOf(err)}): start it with npm start, or pass --url with its address`,
    EXIT.unreachable,
  );

function refusal(url: string, method: string, path: string, status: number, json: Json): CliError {
  if (status === 401)
    return new CliError(
      `${url} refused the API key (401 ${problemLine(json)}): pass the right --api-key or set HOOKBRIDGE_API_KEY`,
      EXIT.auth,
    );
  if (status === 403)
    return new CliError(
      `${url} refused ${method} ${path} for this API key (403 ${problemLine(json)}): use a key with that scope`,
      EXIT.auth,
    );
  return new CliError(`${method} ${path} failed (${status} ${problemLine(json)})`, EXIT.failure);
}

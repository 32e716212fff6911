/**
 * `hookbridge listen --forward-to <url> [--types payment.*]`: makes (or reuses) a pull destination
 * for this machine, prints its signing secret, long-polls its messages and forwards each to the
 * local URL, signed as Standard Webhooks with that secret. A local 5xx, 429 or no answer is retried
 * on the destination's schedule; a message is acknowledged (its page's `next` passed on, the state
 * file updated) only once the local app answered 2xx/4xx. Only outgoing requests: nothing listens.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { nextDelaySec } from '../../shared/delivery/schedule.js';
import { signStandardWebhook } from '../../shared/delivery/signing.js';
import { CliError, causeOf } from '../cli.js';
import type { Api, Json } from './api.js';
import { EXIT } from './exit.js';
import { type ListenState, readState, saveState, statePath } from './listen-state.js';
import { clock, print, printJsonLine } from './output.js';

export interface ListenOptions {
  forwardTo: string;
  types: string[];
  id?: string | undefined;
  state?: string | undefined;
  timeoutMs: number;
  json: boolean;
  url: string;
}

interface Message {
  webhookId: string;
  type: string;
  timestamp: string;
  data: unknown;
}

/** `cli-<hostname>`, reduced to what a destination id may hold. */
export const machineDestinationId = (): string =>
  `cli-${hostname().replace(/[^A-Za-z0-9_.:-]/g, '-')}`.slice(0, 128);

function forwardUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliError(
      `--forward-to "${raw}" is not a URL: pass your app's webhook URL, e.g. http://localhost:4000/hooks`,
      EXIT.usage,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CliError(`--forward-to must be an http(s) URL, not ${u.protocol}`, EXIT.usage);
  return u;
}

const sameTypes = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((t, i) => t === [...b].sort()[i]);

/** The pull destination: reused when it exists with these types, else created (or its types replaced). */
async function pullDestination(api: Api, id: string, types: string[]): Promise<Json> {
  const path = `/destinations/${encodeURIComponent(id)}`;
  const got = await api('GET', path, { allow: [404] });
  if (got.status === 200 && got.json.type !== 'pull')
    throw new CliError(
      `destination ${id} exists and is not a pull destination (it posts to ${got.json.url}): pass --id with another name`,
      EXIT.usage,
    );
  if (got.status === 200 && sameTypes(got.json.types ?? [], types)) return got.json;
  return (await api('PUT', path, { body: { type: 'pull', types } })).json;
}

type Outcome = { status: number; ms: number; retryAfter: string | null } | { error: string; ms: number };

async function forward(
  to: URL,
  secret: string,
  m: Message,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<Outcome> {
  const body = JSON.stringify({ type: m.type, timestamp: m.timestamp, data: m.data });
  const headers = signStandardWebhook(secret, m.webhookId, Math.floor(Date.now() / 1000), body);
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(to, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Hookbridge-CLI/1', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, ms: ms(), retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    if (stop.aborted) throw stop.reason;
    const timedOut = (err as Error).name === 'TimeoutError';
    return { error: timedOut ? 'timeout' : causeOf(err), ms: ms() };
  }
}

/** 2xx and 4xx are the app's answer (acknowledged); 5xx, 429 and no answer are retried. */
const answered = (o: Outcome): boolean => 'status' in o && o.status < 500 && o.status !== 429;

function report(
  json: boolean,
  m: Message,
  o: Outcome,
  attempt: number,
  retryInSec: number | undefined,
): void {
  const status = 'status' in o ? o.status : o.error;
  const next =
    retryInSec !== undefined
      ? `attempt ${attempt + 2} in ${retryInSec}s`
      : answered(o)
        ? ''
        : `gave up after ${attempt + 1} attempts`;
  if (json) {
    printJsonLine({
      time: new Date().toISOString(),
      type: m.type,
      webhookId: m.webhookId,
      status,
      latencyMs: o.ms,
      attempt: attempt + 1,
      ...(retryInSec !== undefined && { retryInSec }),
      ...(!answered(o) && retryInSec === undefined && { gaveUp: true }),
    });
    return;
  }
  print(`${clock()}  ${m.type}  ${m.webhookId}  -> ${status}  ${o.ms}ms${next ? `  (${next})` : ''}`);
}

/** Forwards one message until the app answers 2xx/4xx or the schedule is spent. */
async function deliver(
  opts: ListenOptions,
  to: URL,
  secret: string,
  m: Message,
  stop: AbortSignal,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const o = await forward(to, secret, m, opts.timeoutMs, stop);
    const delay = answered(o)
      ? undefined
      : nextDelaySec(
          attempt,
          { status: 'status' in o ? o.status : 0, retryAfter: 'status' in o ? o.retryAfter : null },
          Date.now(),
        );
    report(opts.json, m, o, attempt, delay);
    if (delay === undefined) return;
    await sleep(delay * 1000, undefined, { signal: stop });
  }
}

/** Waits before polling again after the service could not be reached (2, 4, … 30 s). */
const pollBackoff = (failures: number) => Math.min(30, 2 ** failures) * 1000;

export async function listen(api: Api, opts: ListenOptions, stop: AbortSignal): Promise<void> {
  const to = forwardUrl(opts.forwardTo);
  const id = opts.id ?? machineDestinationId();
  const dest = await pullDestination(api, id, opts.types);
  const file = statePath(opts.state, opts.url, id);
  let state: ListenState = readState(file, opts.url, id);
  if (state.generation !== undefined && state.generation !== dest.generation)
    state = { url: opts.url, destinationId: id, done: [] };
  state.generation = dest.generation;
  const typesText = opts.types.length ? opts.types.join(', ') : 'every type';
  if (!opts.json) {
    print(`Forwarding ${typesText} from pull destination ${id} at ${opts.url} to ${to.href}`);
    print(`Signing secret: ${dest.secret}  (verify deliveries with it; Standard Webhooks)`);
    print(`State: ${file}${state.cursor ? ' (resuming)' : ''}  -  Ctrl-C to stop, run again to resume`);
  } else
    printJsonLine({
      destinationId: id,
      secret: dest.secret,
      types: opts.types,
      forwardTo: to.href,
      state: file,
    });
  let failures = 0;
  while (!stop.aborted) {
    const q = new URLSearchParams({ limit: '20', wait: '20', ...(state.cursor && { after: state.cursor }) });
    let page: Json;
    try {
      page = (
        await api('GET', `/destinations/${encodeURIComponent(id)}/messages?${q}`, {
          signal: stop,
          timeoutMs: 35_000,
        })
      ).json;
      failures = 0;
    } catch (err) {
      if (stop.aborted) return;
      if (!(err instanceof CliError) || err.exitCode !== EXIT.unreachable || failures >= 8) throw err;
      process.stderr.write(`warning: ${err.message}; polling again in ${pollBackoff(failures) / 1000}s\n`);
      await sleep(pollBackoff(failures++), undefined, { signal: stop }).catch(() => undefined);
      continue;
    }
    for (const m of (page.items ?? []) as Message[]) {
      if (state.done.includes(m.webhookId)) continue;
      await deliver(opts, to, dest.secret, m, stop);
      state.done.push(m.webhookId);
      await saveState(file, state);
    }
    if (typeof page.next === 'string' && page.next !== state.cursor) {
      state = { ...state, cursor: page.next, done: [] };
      await saveState(file, state);
    }
  }
}

/**
 * The read commands: `events tail`, `events show <id>`, `replay <id>`, `destinations list`. Tables
 * for people, `--json` for scripts; every call is a public API route (infra/routes/*.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli.js';
import type { Api, Json } from './api.js';
import { EXIT } from './exit.js';
import { clock, print, printJson, printJsonLine, type Row, table } from './output.js';

const enc = encodeURIComponent;

const eventRow = (e: Json): Row => ({
  received: e.receivedAt,
  provider: e.provider,
  source: e.source,
  type: e.type,
  id: e.id,
  'provider id': e.eventId,
});
const EVENT_COLUMNS = ['received', 'provider', 'source', 'type', 'id', 'provider id'];

export interface TailOptions {
  provider?: string | undefined;
  type?: string | undefined;
  limit: number;
  follow: boolean;
  json: boolean;
  /** Poll period while following. */
  everyMs: number;
}

/** The latest events (oldest first), then, unless --once, each new one as it arrives. */
export async function tail(api: Api, opts: TailOptions, stop: AbortSignal): Promise<void> {
  const q = (limit: number) =>
    new URLSearchParams({
      limit: String(limit),
      ...(opts.provider && { provider: opts.provider }),
      ...(opts.type && { type: opts.type }),
    });
  const seen = new Set<string>();
  const show = (items: Json[], header: boolean) => {
    const fresh = items.filter((e) => !seen.has(e.id)).reverse();
    for (const e of fresh) seen.add(e.id);
    if (opts.json) for (const e of fresh) printJsonLine(e);
    else if (header) process.stdout.write(table(fresh.map(eventRow), EVENT_COLUMNS));
    else if (fresh.length)
      process.stdout.write(table(fresh.map(eventRow), EVENT_COLUMNS).split('\n').slice(1).join('\n'));
  };
  show((await api('GET', `/events?${q(opts.limit)}`)).json.items ?? [], true);
  while (opts.follow && !stop.aborted) {
    await sleep(opts.everyMs, undefined, { signal: stop }).catch(() => undefined);
    if (stop.aborted) break;
    show(
      (await api('GET', `/events?${q(50)}`, { signal: stop }).catch(ignoreAbort(stop)))?.json.items ?? [],
      false,
    );
  }
}

const ignoreAbort = (stop: AbortSignal) => (err: unknown) => {
  if (stop.aborted) return undefined;
  throw err;
};

const notFound = (what: string, id: string, fix: string) =>
  new CliError(`no ${what} ${id} on this Hookbridge (404): ${fix}`, EXIT.failure);

function bodyText(e: Json): string {
  const text =
    e.bodyEncoding === 'base64' ? Buffer.from(e.body, 'base64').toString('utf8') : String(e.body ?? '');
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** One event: summary, verification, headers, body, and its deliveries. */
export async function showEvent(api: Api, id: string, json: boolean): Promise<void> {
  const got = await api('GET', `/events/${enc(id)}`, { allow: [404] });
  if (got.status === 404) throw notFound('event', id, 'list event ids with hookbridge events tail');
  const deliveries = (await api('GET', `/events/${enc(id)}/deliveries`)).json.items ?? [];
  if (json) return printJson({ ...got.json, deliveries });
  const e = got.json;
  const fields: [string, unknown][] = [
    ['id', e.id],
    ['provider', `${e.provider} (source ${e.source})`],
    ['type', e.type],
    ['provider id', e.eventId],
    ['occurred', e.occurredAt],
    ['received', e.receivedAt],
    ['verified', `with ${e.verification?.secretName} (secret #${e.verification?.matchedSecret})`],
    ['body', `${e.bodySize} bytes, sha256 ${e.bodySha256}${e.flagged ? `, flagged ${e.flagged}` : ''}`],
  ];
  print(fields.map(([k, v]) => `${k.padEnd(12)}${v ?? '-'}`).join('\n'));
  print(
    `\nheaders\n${Object.entries(e.headers ?? {})
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  );
  print(`\nbody\n${bodyText(e)}`);
  print(
    `\ndeliveries\n${table(deliveries.map(deliveryRow), ['destination', 'part', 'type', 'status', 'attempts', 'last'])}`,
  );
}

const deliveryRow = (d: Json): Row => {
  const last = d.attempts?.[d.attempts.length - 1];
  return {
    destination: d.destinationId,
    part: d.part,
    type: d.type,
    status: d.status,
    attempts: d.attempts?.length ?? 0,
    last: last
      ? [last.status || last.error, last.outcome, `${last.latencyMs}ms`, `at ${last.at}`]
          .filter(Boolean)
          .join(' ')
      : undefined,
  };
};

export async function replay(
  api: Api,
  id: string,
  destination: string | undefined,
  json: boolean,
): Promise<void> {
  const got = await api('POST', `/events/${enc(id)}/replay`, {
    body: destination ? { destinationId: destination } : {},
    allow: [404],
  });
  if (got.status === 404)
    throw notFound(
      destination ? 'event or destination' : 'event',
      destination ? `${id} / ${destination}` : id,
      'check the ids with hookbridge events tail and hookbridge destinations list',
    );
  if (json) return printJson(got.json);
  print(
    `${clock()}  replay of ${id}: ${got.json.queued} deliveries queued (same webhook-id, so receivers dedupe)`,
  );
}

export async function listDestinations(api: Api, json: boolean): Promise<void> {
  const items: Json[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const r = (await api('GET', `/destinations?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`)).json;
    items.push(...(r.items ?? []));
    cursor = r.cursor;
    if (!cursor) break;
  }
  if (json) return printJson({ items });
  const rows = items.map((d) => ({
    id: d.id,
    kind: d.type ?? 'http',
    status: d.disabledReason ? `${d.status} (${d.disabledReason})` : d.status,
    types: d.types?.length ? d.types.join(',') : '*',
    url: d.url ?? '-',
    updated: d.updatedAt,
  }));
  process.stdout.write(table(rows, ['id', 'kind', 'status', 'types', 'updated', 'url']));
}

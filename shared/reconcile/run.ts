/**
 * One reconciler run: take the run lease, list the provider's events newest first through the
 * proxy's outbound path (the integration's API key, SSRF guard, retries, Retry-After), store each
 * event not stored yet through the webhook's exactly-once put, save the progress after each page,
 * and on reaching the window's start move the checkpoint to the window's end.
 */
import { createHash, randomUUID } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import { type EventRecord, eventIdFor } from '../events/record.js';
import type { Logger } from '../log.js';
import type { EventRepo, ReconcilerRepo } from '../ports/index.js';
import { callIntegration, type ProxyDeps } from '../proxy/client.js';
import { acceptJsonEvent, str } from '../webhooks/crypto.js';
import { bodyTooDeep, recordOverLimit } from '../webhooks/limits.js';
import { type EventPage, type EventsApi, eventsApiFor } from './providers.js';
import type { ReconcileRun, Reconciler, RunCounts, RunTrigger } from './types.js';

export interface ReconcileDeps {
  reconcilers: ReconcilerRepo;
  events: Pick<EventRepo, 'put' | 'presentIds'>;
  /** The proxy's integration path: credentials, outbound policy, log line per call. */
  proxy: ProxyDeps;
  now: () => number;
  log: Logger;
}

/** Events newer than this are left to their webhook, which is usually seconds behind. */
export const SETTLE_MS = 60_000;
/** Each window starts this far before the checkpoint: an event may become listable a little late. */
export const OVERLAP_MS = 10 * 60_000;
/** Pages one run fetches at most (Stripe: 100 events a page); the next run resumes after them. */
export const MAX_PAGES_PER_RUN = 100;
/** How long after the run's deadline its lease still holds (a crashed run frees it then). */
const LEASE_GRACE_MS = 60_000;
/** No new page is asked for with less than this left before the deadline. */
const MIN_PAGE_MS = 3_000;
/** Puts in flight at once while storing one page. */
const PUT_CONCURRENCY = 10;

const iso = (ms: number) => new Date(ms).toISOString();
/** Windows are whole seconds, as the providers' filters are (Stripe's `created` is epoch seconds). */
const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

export const reconcilerIdOf = (provider: string, source: string): string =>
  source === 'default' ? provider : `${provider}:${source}`;

export async function getReconciler(deps: Pick<ReconcileDeps, 'reconcilers'>, id: string) {
  const found = await deps.reconcilers.get(id);
  if (!found) throw new HookbridgeError('not_found', `No reconciler ${id}`);
  return found;
}

/** A new run over the window since the checkpoint, or the interrupted one resumed (its window and position). */
function startRun(r: Reconciler, trigger: RunTrigger, now: number): ReconcileRun {
  const counts: RunCounts = { pages: 0, listed: 0, stored: 0, skipped: 0, errors: 0 };
  const base = { trigger, status: 'running' as const, startedAt: iso(now), ...counts };
  if (r.progress)
    return {
      ...base,
      windowFrom: r.progress.windowFrom,
      windowTo: r.progress.windowTo,
      after: r.progress.after,
    };
  const to = wholeSecond(now - SETTLE_MS);
  const from = wholeSecond(
    r.checkpoint ? Date.parse(r.checkpoint) - OVERLAP_MS : now - r.lookbackHours * 3_600_000,
  );
  return { ...base, windowFrom: iso(Math.min(from, to)), windowTo: iso(to) };
}

/** Status only in the message: a provider's error body may echo part of the key. */
function upstreamError(api: EventsApi, status: number): HookbridgeError {
  const why =
    status === 401 || status === 403
      ? ': the integration’s key was refused (it needs read access to events)'
      : status === 429
        ? ': rate limited beyond the retry budget (the next run tries again)'
        : '';
  return new HookbridgeError('upstream_error', `${api.name} answered ${status} to the events list${why}`);
}

async function fetchPage(
  deps: ReconcileDeps,
  r: Reconciler,
  api: EventsApi,
  run: ReconcileRun,
  deadline: number,
) {
  const req = api.page({ from: Date.parse(run.windowFrom), to: Date.parse(run.windowTo), after: run.after });
  const res = await callIntegration(
    r.integrationId,
    { method: 'GET', ...req, headers: { accept: 'application/json' }, deadline },
    deps.proxy,
  );
  if (res.status !== 200) throw upstreamError(api, res.status);
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch {
    body = undefined;
  }
  const page = api.parse(body);
  if (!page)
    throw new HookbridgeError('upstream_error', `${api.name} answered with something not an events page`);
  return page;
}

interface Candidate {
  record: EventRecord;
  body: Buffer;
}

/** The page's events inside the window as records (as the webhook path would key them); and whether the window's start was passed. */
function candidatesOf(
  deps: ReconcileDeps,
  r: Reconciler,
  api: EventsApi,
  run: ReconcileRun,
  page: EventPage,
) {
  const from = Date.parse(run.windowFrom);
  const to = Date.parse(run.windowTo);
  const out: Candidate[] = [];
  let errors = 0;
  let passedStart = false;
  for (const event of page.events) {
    const body = Buffer.from(JSON.stringify(event));
    const accepted = acceptJsonEvent(body, -1, api.keys);
    if (!accepted.ok || recordOverLimit(accepted.eventId, accepted.type, {}) || bodyTooDeep(body)) {
      errors++;
      continue;
    }
    const at = accepted.occurredAt ? Date.parse(accepted.occurredAt) : Number.NaN;
    if (at < from) passedStart = true;
    if (at < from || at > to) continue;
    out.push({
      body,
      record: {
        id: eventIdFor(r.provider, r.source, accepted.eventId),
        provider: r.provider,
        source: r.source,
        eventId: accepted.eventId,
        type: accepted.type,
        occurredAt: accepted.occurredAt,
        receivedAt: iso(deps.now()),
        bodySha256: createHash('sha256').update(body).digest('hex'),
        bodySize: body.length,
        contentType: 'application/json',
        headers: {},
        matchedSecret: -1,
        via: 'reconciliation',
        reconcilerId: r.id,
      },
    });
  }
  return { candidates: out, errors, passedStart };
}

/** Reads first (one batch), then puts only the absent ones; a webhook landing in between makes its put a duplicate. */
async function storeNew(deps: ReconcileDeps, candidates: Candidate[]) {
  const present = await deps.events.presentIds(candidates.map((c) => c.record.id));
  const absent = candidates.filter((c) => !present.has(c.record.id));
  let stored = 0;
  for (let i = 0; i < absent.length; i += PUT_CONCURRENCY) {
    const outcomes = await Promise.all(
      absent.slice(i, i + PUT_CONCURRENCY).map((c) => deps.events.put(c.record, c.body)),
    );
    stored += outcomes.filter((o) => o === 'stored').length;
  }
  return { stored, skipped: candidates.length - stored };
}

async function listPages(
  deps: ReconcileDeps,
  r: Reconciler,
  api: EventsApi,
  start: ReconcileRun,
  owner: string,
  deadline: number,
): Promise<ReconcileRun> {
  let run = start;
  for (let n = 0; n < MAX_PAGES_PER_RUN && deps.now() < deadline - MIN_PAGE_MS; n++) {
    const page = await fetchPage(deps, r, api, run, deadline);
    const { candidates, errors, passedStart } = candidatesOf(deps, r, api, run, page);
    const { stored, skipped } = await storeNew(deps, candidates);
    const lastId = str(page.events.at(-1)?.[api.keys.id]);
    run = {
      ...run,
      pages: run.pages + 1,
      listed: run.listed + candidates.length,
      stored: run.stored + stored,
      skipped: run.skipped + skipped,
      errors: run.errors + errors,
      after: lastId ?? run.after,
    };
    if (!page.hasMore || !lastId || passedStart) return { ...run, status: 'completed' };
    if (!(await deps.reconcilers.saveProgress(r.id, owner, run)))
      throw new HookbridgeError('conflict', `Reconciler ${r.id} was taken over by another run`);
  }
  return {
    ...run,
    status: 'partial',
    error: { code: 'budget', detail: 'The run’s time or page budget ran out; the next run resumes here' },
  };
}

/** How a run that threw ends: a provider or configuration problem is recorded; a store outage is not (the lease lapses). */
function failedRun(run: ReconcileRun, err: unknown): ReconcileRun {
  if (!(err instanceof HookbridgeError) || err.code === 'store_unavailable') throw err;
  return { ...run, status: 'failed', errors: run.errors + 1, error: { code: err.code, detail: err.message } };
}

/**
 * Runs reconciler `id` until its window is listed or `deadline` (epoch ms, by which every call
 * has ended) comes near; answers the reconciler as it is afterwards. A run already holding the
 * lease makes this a 409.
 */
export async function runReconciler(
  deps: ReconcileDeps,
  id: string,
  opts: { trigger: RunTrigger; deadline: number },
): Promise<Reconciler> {
  const r = await getReconciler(deps, id);
  const api = eventsApiFor(r.provider);
  if (!api) throw new HookbridgeError('conflict', `Provider ${r.provider} has no events API to list`);
  const owner = randomUUID();
  const now = deps.now();
  if (!(await deps.reconcilers.beginRun(id, owner, iso(now), iso(opts.deadline + LEASE_GRACE_MS))))
    throw new HookbridgeError('conflict', `A run of reconciler ${id} is in progress; try again when it ends`);
  let run = startRun(r, opts.trigger, now);
  try {
    run = await listPages(deps, r, api, run, owner, opts.deadline);
  } catch (err) {
    run = failedRun(run, err);
  }
  const end = deps.now();
  run = { ...run, finishedAt: iso(end) };
  await deps.reconcilers.finishRun(id, owner, {
    run,
    nextRunAt: iso(end + r.intervalMinutes * 60_000),
    checkpoint: run.status === 'completed' ? run.windowTo : undefined,
  });
  deps.log.info('reconciler run', {
    reconcilerId: id,
    provider: r.provider,
    trigger: opts.trigger,
    status: run.status,
    pages: run.pages,
    listed: run.listed,
    stored: run.stored,
    skipped: run.skipped,
    errors: run.errors,
    ...(run.error ? { errorCode: run.error.code } : {}),
  });
  return getReconciler(deps, id);
}

/** The schedule's pass: every reconciler whose next run is due, one after another, until the deadline. */
export async function runDueReconcilers(deps: ReconcileDeps, opts: { deadline: number }) {
  const ran: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.reconcilers.list(100, cursor);
    for (const r of page.items) {
      if (deps.now() >= opts.deadline) return { ran };
      if (Date.parse(r.nextRunAt) > deps.now()) continue;
      try {
        await runReconciler(deps, r.id, { trigger: 'schedule', deadline: opts.deadline });
        ran.push(r.id);
      } catch (err) {
        // A manual run holds it: that run does this one's work.
        if (!(err instanceof HookbridgeError && err.code === 'conflict')) throw err;
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return { ran };
}

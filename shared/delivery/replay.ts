/**
 * Replay and redrive. Both start a new round on the existing delivery (same webhook-id, so the app
 * can dedupe), keyed by a cause id so a repeated request or message never starts two rounds.
 * Bulk replays page through the event list; each page is one queue message and the job's cursor
 * advances conditionally, so a job resumes where it stopped.
 */
import { randomBytes } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import { checkTypeFilters } from '../events/catalog.js';
import type { Page } from '../ports/stores.js';
import type { DeliveryDeps } from './deps.js';
import { type EventPart, enqueueAttempt, newDelivery, partsOf, publishToBus } from './process.js';
import { matchesTypeFilter } from './schedule.js';
import type { Destination, ReplayJob } from './types.js';

export const REPLAY_PAGE_SIZE = 25;
export const newReplayId = (): string => `rpl_${randomBytes(12).toString('hex')}`;

/**
 * Re-delivers one stored event to its matching destinations (or just `destinationId`); with
 * `normalisedType`, only the event's parts of that normalised type. Returns deliveries queued.
 */
export async function replayEvent(
  deps: DeliveryDeps,
  eventId: string,
  cause: string,
  destinationId?: string,
  normalisedType?: string,
): Promise<number> {
  const record = await deps.events.get(eventId);
  if (!record) throw new HookbridgeError('not_found', `No event ${eventId}`);
  const parts = partsOf(record, await deps.events.getBody(record.id)).filter(
    (p) => normalisedType === undefined || matchesTypeFilter([normalisedType], p.payload.type),
  );
  if (parts.length === 0) return 0;
  const destinations = destinationId
    ? [await deps.destinations.getDestination(destinationId)].filter((d) => d !== undefined)
    : await deps.destinations.listDestinations();
  if (destinationId && destinations.length === 0)
    throw new HookbridgeError('not_found', `No destination ${destinationId}`);
  const at = new Date(deps.clock.now()).toISOString();
  let queued = 0;
  for (const p of parts) {
    for (const dest of destinations) {
      if (dest.status !== 'enabled' || !matchesTypeFilter(dest.types, p.payload.type)) continue;
      if (await restart(deps, eventId, p, dest, cause, at)) queued++;
    }
  }
  await publishToBus(deps, record, parts, true);
  return queued;
}

async function restart(
  deps: DeliveryDeps,
  eventId: string,
  p: EventPart,
  dest: Destination,
  cause: string,
  at: string,
): Promise<boolean> {
  const fresh = newDelivery(eventId, p, dest, at, cause);
  if ((await deps.deliveries.createDelivery(fresh, deps.ttlSec())) === 'created') {
    await enqueueAttempt(deps, fresh, 0, p.payload);
    return true;
  }
  const round = await deps.deliveries.startRound(fresh, cause, at, false, dest.generation);
  if (round !== undefined) {
    await enqueueAttempt(deps, { ...fresh, round }, 0, p.payload);
    return true;
  }
  // This cause already started the round. If nothing has claimed its first attempt, the earlier
  // run may have died before queueing it (a redelivered page): queue it again; the claim dedupes.
  const current = await deps.deliveries.getDelivery(eventId, dest.id, p.part);
  if (current?.roundCause !== cause || current.status !== 'pending' || current.attempts !== 0) return false;
  await enqueueAttempt(deps, current, 0, p.payload);
  return true;
}

/** Sends a destination's dead letters again. Returns how many were queued. */
export async function redrive(deps: DeliveryDeps, destinationId: string, cause: string): Promise<number> {
  const dest = await deps.destinations.getDestination(destinationId);
  if (!dest) throw new HookbridgeError('not_found', `No destination ${destinationId}`);
  if (dest.status !== 'enabled')
    throw new HookbridgeError(
      'conflict',
      'The destination is disabled; enable it with PUT /destinations/{id} first',
    );
  const at = new Date(deps.clock.now()).toISOString();
  let queued = 0;
  for (const d of await deps.deliveries.listDeadLetters(destinationId)) {
    if (d.destinationGeneration !== dest.generation) {
      // Made for an earlier destination under this id: never sent to this one (nor its secret).
      await deps.deliveries.retireForDeletedDestination(d, at);
      continue;
    }
    const round = await deps.deliveries.startRound(d, cause, at, true);
    if (round === undefined) continue;
    await enqueueAttempt(deps, { ...d, round }, 0);
    queued++;
  }
  return queued;
}

export async function startReplay(
  deps: DeliveryDeps,
  input: Pick<ReplayJob, 'from' | 'to' | 'provider' | 'type' | 'normalisedType' | 'destinationId'> & {
    id?: string | undefined;
  },
): Promise<{ job: ReplayJob; created: boolean }> {
  if (input.normalisedType !== undefined) checkTypeFilters('normalisedType', [input.normalisedType]);
  if (input.destinationId && !(await deps.destinations.getDestination(input.destinationId)))
    throw new HookbridgeError('not_found', `No destination ${input.destinationId}`);
  const at = new Date(deps.clock.now()).toISOString();
  const job: ReplayJob = {
    id: input.id ?? newReplayId(),
    status: 'running',
    from: input.from,
    to: input.to,
    provider: input.provider,
    type: input.type,
    normalisedType: input.normalisedType,
    destinationId: input.destinationId,
    pages: 0,
    eventsScanned: 0,
    deliveriesQueued: 0,
    createdAt: at,
    updatedAt: at,
  };
  const created = (await deps.replays.createReplay(job)) === 'created';
  const current = created ? job : await deps.replays.getReplay(job.id);
  if (!current) throw new HookbridgeError('internal', 'Replay job vanished');
  // Creating, or resuming a job that is still running: queue its next page.
  if (current.status === 'running') await deps.queue.send({ kind: 'replay', replayId: current.id }, 0);
  return { job: current, created };
}

/** One page of a bulk replay; queues the next page until the range is exhausted. */
/** GET /replays: one page of bulk replay jobs, newest first. */
export function listReplays(
  deps: Pick<DeliveryDeps, 'replays'>,
  q: { limit: number; cursor?: string | undefined },
): Promise<Page<ReplayJob>> {
  return deps.replays.listReplays(q.limit, q.cursor);
}

export async function getReplay(deps: DeliveryDeps, id: string): Promise<ReplayJob> {
  const job = await deps.replays.getReplay(id);
  if (!job) throw new HookbridgeError('not_found', `No replay ${id}`);
  return job;
}

export async function replayPage(deps: DeliveryDeps, replayId: string): Promise<void> {
  const job = await deps.replays.getReplay(replayId);
  if (job?.status !== 'running') return;
  const page = await deps.events.list(
    { from: job.from, to: job.to, provider: job.provider, type: job.type, limit: REPLAY_PAGE_SIZE },
    job.cursor,
  );
  let queued = 0;
  for (const rec of page.items) {
    // The cause is the job id: a redelivered page message cannot start a second round.
    queued += await replayEvent(deps, rec.id, replayId, job.destinationId, job.normalisedType);
  }
  const advanced = await deps.replays.advanceReplay(job, {
    cursor: page.cursor,
    scanned: page.items.length,
    queued,
    at: new Date(deps.clock.now()).toISOString(),
  });
  if (advanced && page.cursor !== undefined) await deps.queue.send({ kind: 'replay', replayId }, 0);
}

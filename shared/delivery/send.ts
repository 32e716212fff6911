/**
 * deliveries-send core: one queued attempt -> a signed POST to the destination, recorded, then
 * delivered / rescheduled / dead-lettered. Duplicate or stale queue messages are dropped by the
 * conditional claim, so each attempt is sent once per round.
 */

import { HookbridgeError } from '../errors.js';
import { sendOnce } from '../outbound/send.js';
import { TransportError } from '../outbound/transport.js';
import type { DeliveryDeps } from './deps.js';
import { admit, noteOutcome, postpone } from './flow.js';
import { type EventPart, partsOf, webhookIdFor } from './process.js';
import { storePullMessage } from './pull.js';
import { replayPage } from './replay.js';
import { MAX_QUEUE_DELAY_SEC, nextDelaySec } from './schedule.js';
import { signStandardWebhook } from './signing.js';
import type { Delivery, DeliveryAttempt, Destination, QueueMessage } from './types.js';

const EXCERPT_CHARS = 512;
/** Bytes of the receiver's answer kept (enough for the excerpt in any UTF-8); the rest is not read. */
const RESPONSE_BYTES = EXCERPT_CHARS * 4;
const CONNECT_TIMEOUT_MS = 3_000;
/**
 * A claim older than this was made by an invocation that is gone: the deliveries-send timeout
 * (infra/functions.ts; a unit test keeps them equal). The queue's visibility timeout is longer, so
 * a redelivered message normally finds the claim stale; if not, it is handed back ('busy').
 */
export const CLAIM_LEASE_MS = 30_000;

export type SendOutcome = 'delivered' | 'retry' | 'dead' | 'gone' | 'skipped' | 'hop' | 'busy' | 'postponed';

export async function handleQueueMessage(
  deps: DeliveryDeps,
  msg: QueueMessage,
): Promise<SendOutcome | 'replay'> {
  if (msg.kind === 'replay') {
    await replayPage(deps, msg.replayId);
    return 'replay';
  }
  return sendAttempt(deps, msg);
}

export interface PostOutcome {
  /** 0 when nothing was answered. */
  status: number;
  excerpt?: string | undefined;
  error?: string | undefined;
  retryAfter: string | null;
  /** Set when the SSRF guard refused the destination, so nothing was sent. */
  blocked?: string | undefined;
}

/** The signed POST. Never throws: a refusal or a network failure becomes the attempt's error. */
async function post(
  deps: DeliveryDeps,
  destinationUrl: string,
  signature: Record<string, string>,
  body: string,
): Promise<PostOutcome> {
  try {
    // Only the destination's own host may be called; the guard checks every address it resolves
    // to and the transport connects to exactly the checked one, never following redirects.
    const res = await sendOnce(
      {
        url: new URL(destinationUrl),
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Hookbridge-Webhooks/1', ...signature },
        body: Buffer.from(body),
        connectTimeoutMs: Math.min(CONNECT_TIMEOUT_MS, deps.timeoutMs),
        timeoutMs: deps.timeoutMs,
        maxResponseBytes: RESPONSE_BYTES,
        truncateResponse: true,
      },
      deps,
    );
    const ra = res.headers['retry-after'];
    return {
      status: res.status,
      retryAfter: (Array.isArray(ra) ? ra[0] : ra) ?? null,
      excerpt: res.body.toString('utf8').slice(0, EXCERPT_CHARS) || undefined,
    };
  } catch (err) {
    if (err instanceof HookbridgeError && err.code === 'ssrf_blocked')
      return { status: 0, retryAfter: null, blocked: err.message, error: `blocked: ${err.message}` };
    return { status: 0, retryAfter: null, error: failureText(err, deps.timeoutMs) };
  }
}

const failureText = (err: unknown, timeoutMs: number): string => {
  if (err instanceof HookbridgeError) return err.message;
  if (err instanceof TransportError && err.kind === 'timeout') return `timeout after ${timeoutMs} ms`;
  if (err instanceof TransportError && err.kind === 'connect_timeout') return 'connect timed out';
  return 'connection failed';
};

type DeliveryMessage = Extract<QueueMessage, { kind: 'delivery' }>;
/** The app payload of one event part: what is delivered. */
type AppPayloadOf = EventPart['payload'];

/** One claimed attempt: the message, the delivery it belongs to, and the clock reading it runs under. */
interface AttemptContext {
  deps: DeliveryDeps;
  msg: DeliveryMessage;
  delivery: Pick<Delivery, 'eventId' | 'destinationId' | 'part'>;
  nowMs: number;
  at: string;
}

export async function sendAttempt(deps: DeliveryDeps, msg: DeliveryMessage): Promise<SendOutcome> {
  const nowMs = deps.clock.now();
  // SQS delays stop at 15 minutes: longer waits come back early and hop again.
  if (msg.notBefore > nowMs + 1000) {
    const remaining = Math.ceil((msg.notBefore - nowMs) / 1000);
    await deps.queue.send(msg, Math.min(remaining, MAX_QUEUE_DELAY_SEC));
    return 'hop';
  }
  const ctx: AttemptContext = {
    deps,
    msg,
    delivery: { eventId: msg.eventId, destinationId: msg.destinationId, part: msg.part },
    nowMs,
    at: new Date(nowMs).toISOString(),
  };
  const ready = await prepare(ctx);
  if ('stop' in ready) return ready.stop;
  const { dest, part } = ready;
  if (dest.type === 'pull') return storeForPull(ctx, dest, part, performance.now());
  // --- flow control (shared/delivery/flow.ts): circuit breaker, rate limit, in-flight ceiling ---
  const admission = await admit(deps, dest, msg, nowMs);
  if (!admission.go) return postpone(deps, msg, admission, ctx.at);
  const started = performance.now();
  const webhookId = webhookIdFor(msg.eventId, msg.part);
  const body = JSON.stringify({ type: part.type, timestamp: part.occurredAt, data: part });
  const headers = signStandardWebhook(dest.secret, webhookId, Math.floor(nowMs / 1000), body);
  const result = await admission.holding(() => post(deps, dest.url ?? '', headers, body));
  const attempt = attemptOf(ctx, result.status, started, { excerpt: result.excerpt, error: result.error });
  const decision = decide(result, msg.attempt, nowMs, deps.random);
  const [outcome] = await Promise.all([
    apply(ctx, dest, attempt, decision),
    noteOutcome(deps, dest, admission.probe, decision),
  ]);
  return outcome;
}

function attemptOf(
  { msg, at }: AttemptContext,
  status: number,
  started: number,
  answer: { excerpt?: string | undefined; error?: string | undefined },
): DeliveryAttempt {
  return {
    eventId: msg.eventId,
    destinationId: msg.destinationId,
    part: msg.part,
    round: msg.round,
    attempt: msg.attempt,
    at,
    status,
    latencyMs: Math.round(performance.now() - started),
    outcome: 'retry',
    responseExcerpt: answer.excerpt,
    error: answer.error,
  };
}

/**
 * A pull destination: the round is stored as the stream's next message instead of POSTed, and is
 * then delivered (status 0: no HTTP answer). A crash before settling stores it again on the
 * redelivered message: same webhook-id, so the consumer's dedupe holds.
 */
async function storeForPull(
  ctx: AttemptContext,
  dest: Destination,
  part: AppPayloadOf,
  started: number,
): Promise<SendOutcome> {
  const { deps, msg, delivery, at } = ctx;
  const seq = await storePullMessage(deps, dest, {
    eventId: msg.eventId,
    part: msg.part,
    round: msg.round,
    webhookId: webhookIdFor(msg.eventId, msg.part),
    type: part.type,
    storedAt: at,
  });
  const attempt = attemptOf(ctx, 0, started, { excerpt: `stored as pull message ${seq}` });
  attempt.outcome = 'delivered';
  await Promise.all([
    deps.deliveries.recordAttempt(attempt, deps.ttlSec()),
    deps.deliveries.settle(delivery, msg.round, { status: 'delivered', at, lastStatus: 0 }),
  ]);
  return 'delivered';
}

/** Settles an attempt that was never sent. */
async function deadBeforeSending(ctx: AttemptContext, deadReason: string): Promise<{ stop: SendOutcome }> {
  await ctx.deps.deliveries.settle(ctx.delivery, ctx.msg.round, {
    status: 'dead',
    at: ctx.at,
    lastStatus: 0,
    deadReason,
  });
  return { stop: 'dead' };
}

/** Claims the attempt and finds its destination and event part, or says why there is nothing to send. */
async function prepare(
  ctx: AttemptContext,
): Promise<{ stop: SendOutcome } | { dest: Destination; part: AppPayloadOf }> {
  const { deps, msg, delivery, nowMs, at } = ctx;
  const { deliveries, destinations } = deps;
  // The claim is conditional on (pending, round, attempt): a stale or duplicate message claims
  // nothing, while the redelivery of a message whose invocation died re-takes its stale claim.
  const claim = await deliveries.claimAttempt(
    delivery,
    msg.round,
    msg.attempt,
    at,
    new Date(nowMs - CLAIM_LEASE_MS).toISOString(),
  );
  if (claim.outcome !== 'claimed') return { stop: claim.outcome };
  const [dest, stored] = await Promise.all([
    destinations.getDestination(msg.destinationId),
    deps.events.getStored(msg.eventId),
  ]);
  // A destination deleted and created again under the same id is another destination.
  const sameDestination = dest !== undefined && dest.generation === claim.delivery.destinationGeneration;
  if (dest?.status !== 'enabled' || !sameDestination)
    return deadBeforeSending(ctx, sameDestination ? 'destination_disabled' : 'destination_deleted');
  if (!stored) return deadBeforeSending(ctx, 'event_expired');
  const part = partsOf(stored.record, await deps.events.getBody(stored.record, stored.item))[msg.part];
  if (!part) return deadBeforeSending(ctx, 'event_part_missing');
  return { dest, part: part.payload };
}

export type AttemptDecision =
  | { kind: 'delivered' }
  | { kind: 'blocked' }
  | { kind: 'gone' }
  | { kind: 'exhausted'; lastError: string }
  | { kind: 'retry'; lastError: string; delaySec: number };

/** What a sent attempt leads to. Pure. */
export function decide(
  result: PostOutcome,
  attempt: number,
  nowMs: number,
  random: () => number,
): AttemptDecision {
  if (result.status >= 200 && result.status < 300) return { kind: 'delivered' };
  // Nothing was sent. Retrying would not help (and would keep probing): dead-letter at once;
  // a redrive after the DNS is fixed sends it again.
  if (result.blocked !== undefined) return { kind: 'blocked' };
  if (result.status === 410) return { kind: 'gone' };
  const lastError = result.error ?? `HTTP ${result.status}`;
  const delay = nextDelaySec(
    attempt,
    { status: result.status, retryAfter: result.retryAfter },
    nowMs,
    random,
  );
  return delay === undefined
    ? { kind: 'exhausted', lastError }
    : { kind: 'retry', lastError, delaySec: delay };
}

/** Records the attempt and settles the delivery as decided. */
async function apply(
  ctx: AttemptContext,
  dest: Destination,
  attempt: DeliveryAttempt,
  decision: AttemptDecision,
): Promise<SendOutcome> {
  const { deps, msg, delivery, at } = ctx;
  const { deliveries, destinations, log } = deps;
  const ttl = deps.ttlSec();
  switch (decision.kind) {
    case 'delivered':
      attempt.outcome = 'delivered';
      await Promise.all([
        deliveries.recordAttempt(attempt, ttl),
        deliveries.settle(delivery, msg.round, { status: 'delivered', at, lastStatus: attempt.status }),
      ]);
      return 'delivered';
    case 'blocked':
      return deadLetter(
        { ...ctx, ttl },
        dest,
        attempt,
        { lastStatus: 0, lastError: attempt.error, deadReason: 'destination_blocked' },
        { reason: 'destination_blocked' },
      );
    case 'gone':
      attempt.outcome = 'gone';
      await deliveries.recordAttempt(attempt, ttl);
      await destinations.disableDestination(dest.id, 'receiver answered 410 Gone', at);
      await deliveries.settle(delivery, msg.round, {
        status: 'dead',
        at,
        lastStatus: 410,
        deadReason: 'destination_gone',
      });
      log.warn('destination disabled after 410', { destinationId: dest.id });
      return 'gone';
    case 'exhausted':
      return deadLetter(
        { ...ctx, ttl },
        dest,
        attempt,
        { lastStatus: attempt.status, lastError: decision.lastError, deadReason: 'retries_exhausted' },
        { attempts: msg.attempt + 1 },
      );
    case 'retry':
      return scheduleRetry(ctx, attempt, decision, ttl);
  }
}

/** Records a failed attempt and dead-letters the delivery; the warning is counted by the stack's delivery-failure alarm. */
async function deadLetter(
  ctx: AttemptContext & { ttl: number },
  dest: Destination,
  attempt: DeliveryAttempt,
  change: { lastStatus: number; lastError?: string | undefined; deadReason: string },
  logFields: Record<string, unknown>,
): Promise<SendOutcome> {
  const { deps, msg, delivery, at } = ctx;
  attempt.outcome = 'dead';
  await deps.deliveries.recordAttempt(attempt, ctx.ttl);
  await deps.deliveries.settle(delivery, msg.round, { status: 'dead', at, ...change });
  deps.log.warn('delivery dead-lettered', { destinationId: dest.id, eventId: msg.eventId, ...logFields });
  return 'dead';
}

async function scheduleRetry(
  ctx: AttemptContext,
  attempt: DeliveryAttempt,
  decision: Extract<AttemptDecision, { kind: 'retry' }>,
  ttl: number,
): Promise<SendOutcome> {
  const { deps, msg, delivery, nowMs, at } = ctx;
  const notBefore = nowMs + decision.delaySec * 1000;
  attempt.nextAttemptAt = new Date(notBefore).toISOString();
  await deps.deliveries.recordAttempt(attempt, ttl);
  // Queue the next attempt before settling: settling ends the claim, so if queueing fails the
  // claim stays and the redelivered message re-sends this attempt rather than being dropped.
  await deps.queue.send(
    { ...msg, attempt: msg.attempt + 1, notBefore },
    Math.min(decision.delaySec, MAX_QUEUE_DELAY_SEC),
  );
  await deps.deliveries.settle(delivery, msg.round, {
    status: 'pending',
    at,
    lastStatus: attempt.status,
    lastError: decision.lastError,
    nextAttemptAt: attempt.nextAttemptAt,
  });
  return 'retry';
}

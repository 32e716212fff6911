/**
 * deliveries-send core: one queued attempt -> a signed POST to the destination, recorded, then
 * delivered / rescheduled / dead-lettered. Duplicate or stale queue messages are dropped by the
 * conditional claim, so each attempt is sent once per round.
 */

import { HookbridgeError } from '../errors.js';
import { checkTarget } from '../proxy/ssrf.js';
import { TransportError } from '../proxy/transport.js';
import type { DeliveryDeps } from './deps.js';
import { partsOf, webhookIdFor } from './process.js';
import { replayPage } from './replay.js';
import { MAX_QUEUE_DELAY_SEC, nextDelaySec } from './schedule.js';
import { signStandardWebhook } from './signing.js';
import type { DeliveryAttempt, QueueMessage } from './types.js';

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

export type SendOutcome = 'delivered' | 'retry' | 'dead' | 'gone' | 'skipped' | 'hop' | 'busy';

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

export async function sendAttempt(
  deps: DeliveryDeps,
  msg: Extract<QueueMessage, { kind: 'delivery' }>,
): Promise<SendOutcome> {
  const { deliveries, destinations, log } = deps;
  const nowMs = deps.clock.now();
  // SQS delays stop at 15 minutes: longer waits come back early and hop again.
  if (msg.notBefore > nowMs + 1000) {
    const remaining = Math.ceil((msg.notBefore - nowMs) / 1000);
    await deps.queue.send(msg, Math.min(remaining, MAX_QUEUE_DELAY_SEC));
    return 'hop';
  }
  const at = new Date(nowMs).toISOString();
  // The claim is conditional on (pending, round, attempt): a stale or duplicate message claims
  // nothing, while the redelivery of a message whose invocation died re-takes its stale claim.
  const delivery = { eventId: msg.eventId, destinationId: msg.destinationId, part: msg.part };
  const claim = await deliveries.claimAttempt(
    delivery,
    msg.round,
    msg.attempt,
    at,
    new Date(nowMs - CLAIM_LEASE_MS).toISOString(),
  );
  if (claim.outcome !== 'claimed') return claim.outcome;
  const [dest, stored] = await Promise.all([
    destinations.getDestination(msg.destinationId),
    deps.events.getStored(msg.eventId),
  ]);
  // A destination deleted and created again under the same id is another destination.
  const sameDestination = dest !== undefined && dest.generation === claim.delivery.destinationGeneration;
  if (dest?.status !== 'enabled' || !sameDestination) {
    await deliveries.settle(delivery, msg.round, {
      status: 'dead',
      at,
      lastStatus: 0,
      deadReason: sameDestination ? 'destination_disabled' : 'destination_deleted',
    });
    return 'dead';
  }
  if (!stored) {
    await deliveries.settle(delivery, msg.round, {
      status: 'dead',
      at,
      lastStatus: 0,
      deadReason: 'event_expired',
    });
    return 'dead';
  }
  const part = partsOf(stored.record, await deps.events.getBody(stored.record, stored.item))[msg.part];
  if (!part) {
    await deliveries.settle(delivery, msg.round, {
      status: 'dead',
      at,
      lastStatus: 0,
      deadReason: 'event_part_missing',
    });
    return 'dead';
  }
  const webhookId = webhookIdFor(msg.eventId, msg.part);
  const body = JSON.stringify({
    type: part.payload.type,
    timestamp: part.payload.occurredAt,
    data: part.payload,
  });
  const headers = signStandardWebhook(dest.secret, webhookId, Math.floor(nowMs / 1000), body);

  const started = performance.now();
  let status = 0;
  let excerpt: string | undefined;
  let error: string | undefined;
  let retryAfter: string | null = null;
  let blocked: string | undefined;
  try {
    const url = new URL(dest.url);
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
    // The destination's own host is the only declared host; the guard checks every address it
    // resolves to and the transport connects to exactly the checked one, never following redirects.
    const pinned = await checkTarget(url, [host], { resolver: deps.resolver, testAllow: deps.testAllow });
    const res = await deps.transport({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Hookbridge-Webhooks/1', ...headers },
      body: Buffer.from(body),
      pinned,
      connectTimeoutMs: Math.min(CONNECT_TIMEOUT_MS, deps.timeoutMs),
      deadline: Date.now() + deps.timeoutMs,
      maxResponseBytes: RESPONSE_BYTES,
      truncateResponse: true,
    });
    status = res.status;
    const ra = res.headers['retry-after'];
    retryAfter = (Array.isArray(ra) ? ra[0] : ra) ?? null;
    excerpt = res.body.toString('utf8').slice(0, EXCERPT_CHARS) || undefined;
  } catch (err) {
    if (err instanceof HookbridgeError && err.code === 'ssrf_blocked') {
      blocked = err.message;
      error = `blocked: ${err.message}`;
    } else if (err instanceof HookbridgeError) error = err.message;
    else if (err instanceof TransportError && err.kind === 'timeout')
      error = `timeout after ${deps.timeoutMs} ms`;
    else if (err instanceof TransportError && err.kind === 'connect_timeout') error = 'connect timed out';
    else error = 'connection failed';
  }
  const latencyMs = Math.round(performance.now() - started);
  const attempt: DeliveryAttempt = {
    eventId: msg.eventId,
    destinationId: msg.destinationId,
    part: msg.part,
    round: msg.round,
    attempt: msg.attempt,
    at,
    status,
    latencyMs,
    outcome: 'retry',
    responseExcerpt: excerpt,
    error,
  };
  const ttl = deps.ttlSec();

  if (status >= 200 && status < 300) {
    attempt.outcome = 'delivered';
    await Promise.all([
      deliveries.recordAttempt(attempt, ttl),
      deliveries.settle(delivery, msg.round, { status: 'delivered', at, lastStatus: status }),
    ]);
    return 'delivered';
  }
  if (blocked !== undefined) {
    // Nothing was sent. Retrying would not help (and would keep probing): dead-letter at once;
    // a redrive after the DNS is fixed sends it again.
    attempt.outcome = 'dead';
    await deliveries.recordAttempt(attempt, ttl);
    await deliveries.settle(delivery, msg.round, {
      status: 'dead',
      at,
      lastStatus: 0,
      lastError: error,
      deadReason: 'destination_blocked',
    });
    log.warn('delivery dead-lettered', {
      destinationId: dest.id,
      eventId: msg.eventId,
      reason: 'destination_blocked',
    });
    return 'dead';
  }
  if (status === 410) {
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
  }
  const lastError = error ?? `HTTP ${status}`;
  const delay = nextDelaySec(msg.attempt, { status, retryAfter }, nowMs, deps.random);
  if (delay === undefined) {
    attempt.outcome = 'dead';
    await deliveries.recordAttempt(attempt, ttl);
    await deliveries.settle(delivery, msg.round, {
      status: 'dead',
      at,
      lastStatus: status,
      lastError,
      deadReason: 'retries_exhausted',
    });
    // Counted by the stack's delivery-failure alarm.
    log.warn('delivery dead-lettered', {
      destinationId: dest.id,
      eventId: msg.eventId,
      attempts: msg.attempt + 1,
    });
    return 'dead';
  }
  const notBefore = nowMs + delay * 1000;
  attempt.nextAttemptAt = new Date(notBefore).toISOString();
  await deliveries.recordAttempt(attempt, ttl);
  // Queue the next attempt before settling: settling ends the claim, so if queueing fails the
  // claim stays and the redelivered message re-sends this attempt rather than being dropped.
  await deps.queue.send(
    { ...msg, attempt: msg.attempt + 1, notBefore },
    Math.min(delay, MAX_QUEUE_DELAY_SEC),
  );
  await deliveries.settle(delivery, msg.round, {
    status: 'pending',
    at,
    lastStatus: status,
    lastError,
    nextAttemptAt: attempt.nextAttemptAt,
  });
  return 'retry';
}

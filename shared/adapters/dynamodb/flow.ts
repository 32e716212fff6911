/**
 * Flow control on the single table. Rate slots and in-flight leases live on a small item beside
 * the destination (`dest#{id}` / `flow`), so their writes stay one WCU whatever the destination
 * holds; it expires a day after its last use. The circuit breaker lives on the destination item
 * itself (`cb*` attributes), so the read every attempt already makes brings it.
 *
 * - Rate: `nextFreeAt` is the time the next start slot is free (GCRA: a token bucket of one token
 *   refilled every interval). Taking a slot is `SET nextFreeAt = max(nextFreeAt, now) + interval`,
 *   written as two conditional variants (slot free now / slot queued behind others); a failed
 *   condition returns the item, which says which variant holds.
 * - In flight: `leases` is a string set of `{expiresAt}:{random}` tokens; a lease is taken with
 *   `ADD` conditioned on `size(leases) < max`, given back with `DELETE`. When all are held, the
 *   expired ones (their invocation died) are deleted and the take is tried once more.
 */
import { randomBytes } from 'node:crypto';
import { CIRCUIT_STATES, type CircuitRecord } from '../../delivery/circuit.js';
import type { CircuitCounts, FlowRepo, RateReservation } from '../../ports/flow.js';
import { TABLE } from '../../table.js';
import { type Item, num, oneOf, optNum, optStr } from './codec.js';
import { itemExists, TTL_NAME } from './conditional.js';
import { DESTINATION, DESTINATION_FLOW } from './keys.js';
import { DynamoRepo } from './repo.js';

const flowKey = (id: string) => ({ pk: DESTINATION_FLOW.pk(id), sk: DESTINATION_FLOW.sk });
const destKey = (id: string) => ({ pk: DESTINATION.pk(id), sk: DESTINATION.sk });
/** Each write to the flow item names its kind and keeps it a day past its last use. */
const KEEP = '#kind = :kind, #ttl = :ttl';
const KEEP_NAMES = { '#kind': TABLE.kindAttribute, ...TTL_NAME };
const keepValues = (nowMs: number) => ({
  ':kind': DESTINATION_FLOW.kind,
  ':ttl': Math.floor(nowMs / 1000) + 86_400,
});

/** The breaker's attributes on the destination item. */
const CB = {
  state: 'cbState',
  reason: 'cbReason',
  openedAt: 'cbOpenedAt',
  nextProbeAt: 'cbNextProbeAt',
  probeUntil: 'cbProbeUntil',
  failures: 'cbFailures',
  windowStart: 'cbWindowStart',
  windowAttempts: 'cbWindowAttempts',
  windowFailures: 'cbWindowFailures',
} as const satisfies Record<keyof CircuitRecord, string>;

/** The breaker's attributes as the destination item stores them (none while nothing was ever counted). */
export function circuitItem(rec: CircuitRecord | undefined): Item {
  if (!rec) return {};
  return Object.fromEntries(
    Object.entries(CB).flatMap(([k, attr]) => {
      const v = rec[k as keyof CircuitRecord];
      return v === undefined ? [] : [[attr, v]];
    }),
  );
}

export function circuitFromItem(it: Item): CircuitRecord | undefined {
  if (it[CB.state] === undefined && it[CB.failures] === undefined) return undefined;
  return {
    state: oneOf(it[CB.state], CIRCUIT_STATES),
    reason: optStr(it[CB.reason]),
    openedAt: optNum(it[CB.openedAt]),
    nextProbeAt: optNum(it[CB.nextProbeAt]),
    probeUntil: optNum(it[CB.probeUntil]),
    failures: num(it[CB.failures]),
    windowStart: optNum(it[CB.windowStart]),
    windowAttempts: num(it[CB.windowAttempts]),
    windowFailures: num(it[CB.windowFailures]),
  };
}

const leaseExpiry = (token: string): number => Number(token.split(':')[0]);

export class DynamoFlowRepo extends DynamoRepo implements FlowRepo {
  /** The last `nextFreeAt` this instance saw per destination: it picks which variant to try first. */
  private readonly lastFree = new Map<string, number>();

  async reserveRate(
    id: string,
    nowMs: number,
    intervalMs: number,
    horizonMs: number,
  ): Promise<RateReservation> {
    const order = (this.lastFree.get(id) ?? 0) > nowMs ? [true, false] : [false, true];
    for (const queued of order) {
      const out = await this.write(
        {
          Update: {
            Key: flowKey(id),
            UpdateExpression: queued
              ? `SET nextFreeAt = nextFreeAt + :i, ${KEEP}`
              : `SET nextFreeAt = :next, ${KEEP}`,
            ConditionExpression: queued
              ? 'nextFreeAt > :now AND nextFreeAt <= :horizon'
              : 'attribute_not_exists(nextFreeAt) OR nextFreeAt <= :now',
            ExpressionAttributeNames: KEEP_NAMES,
            ExpressionAttributeValues: {
              ':now': nowMs,
              ...keepValues(nowMs),
              ...(queued
                ? { ':i': intervalMs, ':horizon': nowMs + horizonMs }
                : { ':next': nowMs + intervalMs }),
            },
            ReturnValues: 'UPDATED_NEW',
          },
        },
        { old: true },
      );
      if (out.applied) {
        const next = num(out.attributes?.nextFreeAt);
        this.lastFree.set(id, next);
        return { slotAt: next - intervalMs };
      }
      const nextFreeAt = optNum(out.old?.nextFreeAt) ?? 0;
      this.lastFree.set(id, nextFreeAt);
      if (nextFreeAt > nowMs + horizonMs) return { retryAt: nextFreeAt - horizonMs };
    }
    // Only when another instance's write fell between the two: rare; the caller asks again shortly.
    return { retryAt: nowMs + intervalMs };
  }

  async acquireLease(id: string, nowMs: number, max: number, expiresAt: number): Promise<string | undefined> {
    const token = `${expiresAt}:${randomBytes(6).toString('hex')}`;
    for (let tries = 0; tries < 2; tries++) {
      const out = await this.write(
        {
          Update: {
            Key: flowKey(id),
            UpdateExpression: `ADD leases :one SET ${KEEP}`,
            ConditionExpression: 'attribute_not_exists(leases) OR size(leases) < :max',
            ExpressionAttributeNames: KEEP_NAMES,
            ExpressionAttributeValues: {
              ':one': new Set([token]),
              ':max': max,
              ...keepValues(nowMs),
            },
          },
        },
        { old: true },
      );
      if (out.applied) return token;
      const held = [...((out.old?.leases as Set<string> | undefined) ?? [])];
      const expired = held.filter((t) => leaseExpiry(t) <= nowMs);
      if (!expired.length) return undefined;
      await this.dropLeases(id, expired);
    }
    return undefined;
  }

  releaseLease(id: string, lease: string): Promise<void> {
    return this.dropLeases(id, [lease]);
  }

  /** Deleting a token that is not there is a no-op, so a lease is given back at most once. */
  private async dropLeases(id: string, tokens: string[]): Promise<void> {
    await this.write({
      Update: {
        Key: flowKey(id),
        UpdateExpression: 'DELETE leases :t',
        ConditionExpression: itemExists,
        ExpressionAttributeValues: { ':t': new Set(tokens) },
      },
    });
  }

  async countOutcome(
    id: string,
    ok: boolean,
    nowMs: number,
    windowMs: number,
    seenLive = true,
  ): Promise<CircuitCounts | undefined> {
    const cutoff = nowMs - windowMs;
    // A success adds to a live window only; a failure adds to a live one or starts a new one.
    // The first variant tried is the one the destination read saw; a failed condition tries the other.
    const both = ok
      ? [
          {
            update: `SET ${CB.failures} = :zero ADD ${CB.windowAttempts} :one`,
            cond: `${CB.windowStart} > :cutoff`,
          },
          { update: `SET ${CB.failures} = :zero`, cond: `NOT ${CB.windowStart} > :cutoff` },
        ]
      : [
          {
            update: `ADD ${CB.failures} :one, ${CB.windowAttempts} :one, ${CB.windowFailures} :one`,
            cond: `${CB.windowStart} > :cutoff`,
          },
          {
            update: `ADD ${CB.failures} :one SET ${CB.windowStart} = :now, ${CB.windowAttempts} = :one, ${CB.windowFailures} = :one`,
            cond: `attribute_not_exists(${CB.windowStart}) OR ${CB.windowStart} <= :cutoff`,
          },
        ];
    const variants = seenLive ? both : [...both].reverse();
    const all: Record<string, number> = { ':one': 1, ':zero': 0, ':cutoff': cutoff, ':now': nowMs };
    for (const v of variants) {
      // DynamoDB refuses a value the expressions do not use.
      const used = `${v.update} ${v.cond}`;
      const values = Object.fromEntries(Object.entries(all).filter(([k]) => used.includes(k)));
      const out = await this.write(
        {
          Update: {
            Key: destKey(id),
            UpdateExpression: v.update,
            ConditionExpression: `${itemExists} AND (${v.cond})`,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          },
        },
        { old: true },
      );
      if (out.applied) return countsOf(out.attributes ?? {});
      if (!out.old) return undefined;
    }
    return undefined;
  }

  async openCircuit(
    id: string,
    from: 'closed' | 'half_open',
    open: { reason: string; nowMs: number; nextProbeAt: number },
  ): Promise<boolean> {
    const out = await this.write({
      Update: {
        Key: destKey(id),
        UpdateExpression: `SET ${CB.state} = :open, ${CB.reason} = :r, ${CB.openedAt} = :now, ${CB.nextProbeAt} = :next REMOVE ${CB.probeUntil}`,
        ConditionExpression:
          from === 'closed'
            ? `${itemExists} AND (attribute_not_exists(${CB.state}) OR ${CB.state} = :from)`
            : `${CB.state} = :from`,
        ExpressionAttributeValues: {
          ':open': 'open',
          ':from': from,
          ':r': open.reason,
          ':now': open.nowMs,
          ':next': open.nextProbeAt,
        },
      },
    });
    return out.applied;
  }

  async takeProbe(id: string, nowMs: number, probeUntil: number): Promise<boolean> {
    const out = await this.write({
      Update: {
        Key: destKey(id),
        UpdateExpression: `SET ${CB.state} = :half, ${CB.probeUntil} = :until`,
        ConditionExpression: `(${CB.state} = :open AND ${CB.nextProbeAt} <= :now) OR (${CB.state} = :half AND ${CB.probeUntil} <= :now)`,
        ExpressionAttributeValues: {
          ':open': 'open',
          ':half': 'half_open',
          ':now': nowMs,
          ':until': probeUntil,
        },
      },
    });
    return out.applied;
  }

  async closeCircuit(id: string): Promise<boolean> {
    const gone = [
      CB.reason,
      CB.openedAt,
      CB.nextProbeAt,
      CB.probeUntil,
      CB.windowStart,
      CB.windowAttempts,
      CB.windowFailures,
    ];
    const out = await this.write({
      Update: {
        Key: destKey(id),
        UpdateExpression: `SET ${CB.state} = :closed, ${CB.failures} = :zero REMOVE ${gone.join(', ')}`,
        ConditionExpression: `${CB.state} = :half`,
        ExpressionAttributeValues: { ':closed': 'closed', ':half': 'half_open', ':zero': 0 },
      },
    });
    return out.applied;
  }
}

const countsOf = (it: Item): CircuitCounts => ({
  failures: num(it[CB.failures]),
  windowAttempts: num(it[CB.windowAttempts]),
  windowFailures: num(it[CB.windowFailures]),
});

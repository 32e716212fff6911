/**
 * In-memory fakes of the store ports, for unit tests of the core without dynalite. Each keeps the
 * conditions of its DynamoDB adapter (test/integration/store-contract.test.ts runs the same cases
 * against both); TTLs count only where the adapter checks them itself.
 */
import { createHash } from 'node:crypto';
import type { ApiKeyRecord } from '../../shared/auth/api-keys.js';
import type {
  ConnectionRecord,
  ConnectSession,
  OAuthState,
  RevocationJob,
} from '../../shared/connections/model.js';
import { type CircuitRecord, CLOSED } from '../../shared/delivery/circuit.js';
import type {
  Delivery,
  DeliveryAttempt,
  Destination,
  ObjectState,
  PullMessage,
  ReplayJob,
} from '../../shared/delivery/types.js';
import { HookbridgeError } from '../../shared/errors.js';
import type { EventRecord } from '../../shared/events/record.js';
import type { IntegrationConfig, IntegrationRecord } from '../../shared/integrations/schema.js';
import type {
  ApiKeyRepo,
  BusMarkerRepo,
  ClaimResult,
  ConnectionQuery,
  ConnectionRepo,
  DeliveryKey,
  DeliveryRepo,
  DestinationRepo,
  EventFilters,
  EventRepo,
  FlowRepo,
  IndexCount,
  IntegrationRepo,
  Page,
  PullMessageRepo,
  PullStream,
  PutOutcome,
  ReadModelRepo,
  ReconcilerRepo,
  ReplayRepo,
  SessionConsumeResult,
  SettleChange,
  StateTakeResult,
  StoredEvent,
  StoredItem,
} from '../../shared/ports/index.js';
import type { ReconcileRun, Reconciler, ReconcilerSettings } from '../../shared/reconcile/types.js';

const copy = <T>(v: T): T => structuredClone(v);
const conflict = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

/** Items sorted by a key, newest (highest) first or not, after an opaque cursor (the last key returned). */
function page<T>(
  items: T[],
  keyOf: (t: T) => string,
  limit: number,
  cursor?: string,
  newestFirst = false,
): Page<T> {
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  if (newestFirst) sorted.reverse();
  const after =
    cursor === undefined
      ? sorted
      : sorted.filter((t) => (newestFirst ? keyOf(t) < cursor : keyOf(t) > cursor));
  const out = after.slice(0, limit);
  const last = out.at(-1);
  return { items: out.map(copy), cursor: after.length > limit && last ? keyOf(last) : undefined };
}

export class MemoryEventRepo implements EventRepo {
  readonly items = new Map<string, { record: EventRecord; body: Buffer; ttl: number }>();
  constructor(private readonly opts: { now: () => number; retentionDays?: number }) {}

  private nowSec = () => Math.floor(this.opts.now() / 1000);

  private live(id: string) {
    const it = this.items.get(id);
    return it && it.ttl >= this.nowSec() ? it : undefined;
  }

  async put(record: EventRecord, rawBody: Buffer): Promise<PutOutcome> {
    const existing = this.live(record.id);
    if (existing) {
      const reconciled = existing.record.via === 'reconciliation' || record.via === 'reconciliation';
      if (existing.record.bodySha256 === record.bodySha256 || reconciled) return 'duplicate';
      existing.record.flagged = 'body_mismatch';
      return 'duplicate_mismatch';
    }
    const ttl = this.nowSec() + (this.opts.retentionDays ?? 30) * 86_400;
    this.items.set(record.id, { record: copy(record), body: Buffer.from(rawBody), ttl });
    return 'stored';
  }

  async getStored(id: string): Promise<StoredEvent | undefined> {
    const it = this.live(id);
    return it ? { record: copy(it.record), item: { id } } : undefined;
  }

  async get(id: string): Promise<EventRecord | undefined> {
    return (await this.getStored(id))?.record;
  }

  async getWithBody(id: string): Promise<{ record: EventRecord; body: Buffer } | undefined> {
    const it = this.live(id);
    return it ? { record: copy(it.record), body: Buffer.from(it.body) } : undefined;
  }

  async getBody(ref: string | EventRecord, _item?: StoredItem): Promise<Buffer> {
    const it = this.live(typeof ref === 'string' ? ref : ref.id);
    if (!it) throw new HookbridgeError('not_found', 'No such event');
    if (createHash('sha256').update(it.body).digest('hex') !== it.record.bodySha256)
      throw new HookbridgeError('internal', 'Stored event body does not match its sha256');
    return Buffer.from(it.body);
  }

  async list(filters: EventFilters = {}, cursor?: string): Promise<Page<EventRecord>> {
    const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
    const from = filters.from && new Date(filters.from).toISOString();
    const to = filters.to && new Date(filters.to).toISOString();
    const matching = [...this.items.keys()]
      .map((id) => this.live(id)?.record)
      .filter((r): r is EventRecord => r !== undefined)
      .filter(
        (r) =>
          (filters.provider === undefined || r.provider === filters.provider) &&
          (filters.source === undefined || r.source === filters.source) &&
          (filters.type === undefined || r.type === filters.type) &&
          (filters.eventId === undefined || r.eventId === filters.eventId) &&
          (!from || r.receivedAt >= from) &&
          (!to || r.receivedAt <= to),
      );
    return page(matching, (r) => `${r.receivedAt}#${r.id}`, limit, cursor, true);
  }

  async presentIds(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.live(id)));
  }
}

export class MemoryDestinationRepo implements DestinationRepo {
  readonly items = new Map<string, Destination>();
  async putDestination(d: Destination): Promise<void> {
    this.items.set(d.id, copy(d));
  }
  async getDestination(id: string): Promise<Destination | undefined> {
    const d = this.items.get(id);
    return d && copy(d);
  }
  async deleteDestination(id: string): Promise<boolean> {
    return this.items.delete(id);
  }
  async listDestinations(): Promise<Destination[]> {
    return page([...this.items.values()], (d) => d.id, Number.POSITIVE_INFINITY).items;
  }
  async pageDestinations(limit: number, cursor?: string): Promise<Page<Destination>> {
    return page([...this.items.values()], (d) => d.id, limit, cursor);
  }
  async disableDestination(id: string, reason: string, at: string): Promise<void> {
    const d = this.items.get(id);
    if (d) Object.assign(d, { status: 'disabled', disabledReason: reason, updatedAt: at });
  }
}

/** Flow control: rate slots and leases by destination id; the breaker on the destination records. */
export class MemoryFlowRepo implements FlowRepo {
  readonly nextFreeAt = new Map<string, number>();
  readonly leases = new Map<string, Set<string>>();
  private n = 0;
  constructor(private readonly destinations: MemoryDestinationRepo) {}

  async reserveRate(id: string, nowMs: number, intervalMs: number, horizonMs: number) {
    const next = this.nextFreeAt.get(id) ?? 0;
    if (next > nowMs + horizonMs) return { retryAt: next - horizonMs };
    const slotAt = Math.max(next, nowMs);
    this.nextFreeAt.set(id, slotAt + intervalMs);
    return { slotAt };
  }
  async acquireLease(id: string, nowMs: number, max: number, expiresAt: number) {
    const held = this.leases.get(id) ?? new Set<string>();
    for (const t of held) if (Number(t.split(':')[0]) <= nowMs) held.delete(t);
    if (held.size >= max) return undefined;
    const token = `${expiresAt}:${++this.n}`;
    this.leases.set(id, held.add(token));
    return token;
  }
  async releaseLease(id: string, lease: string) {
    this.leases.get(id)?.delete(lease);
  }
  private circuitOf(id: string): CircuitRecord | undefined {
    const d = this.destinations.items.get(id);
    if (d) d.circuit ??= { ...CLOSED };
    return d?.circuit;
  }
  async countOutcome(id: string, ok: boolean, nowMs: number, windowMs: number) {
    const c = this.circuitOf(id);
    if (!c) return undefined;
    const live = c.windowStart !== undefined && c.windowStart > nowMs - windowMs;
    if (ok) Object.assign(c, { failures: 0, windowAttempts: c.windowAttempts + (live ? 1 : 0) });
    else if (live)
      Object.assign(c, {
        failures: c.failures + 1,
        windowAttempts: c.windowAttempts + 1,
        windowFailures: c.windowFailures + 1,
      });
    else
      Object.assign(c, {
        failures: c.failures + 1,
        windowStart: nowMs,
        windowAttempts: 1,
        windowFailures: 1,
      });
    return { failures: c.failures, windowAttempts: c.windowAttempts, windowFailures: c.windowFailures };
  }
  async openCircuit(
    id: string,
    from: 'closed' | 'half_open',
    open: { reason: string; nowMs: number; nextProbeAt: number },
  ) {
    const c = this.circuitOf(id);
    if (c?.state !== from) return false;
    Object.assign(c, {
      state: 'open',
      reason: open.reason,
      openedAt: open.nowMs,
      nextProbeAt: open.nextProbeAt,
      probeUntil: undefined,
    });
    return true;
  }
  async takeProbe(id: string, nowMs: number, probeUntil: number) {
    const c = this.circuitOf(id);
    const due =
      (c?.state === 'open' && (c.nextProbeAt ?? 0) <= nowMs) ||
      (c?.state === 'half_open' && (c.probeUntil ?? 0) <= nowMs);
    if (!c || !due) return false;
    Object.assign(c, { state: 'half_open', probeUntil });
    return true;
  }
  async closeCircuit(id: string) {
    const c = this.circuitOf(id);
    if (c?.state !== 'half_open') return false;
    this.destinations.items.get(id)!.circuit = { ...CLOSED };
    return true;
  }
}

export class MemoryPullMessageRepo implements PullMessageRepo {
  readonly counters = new Map<string, number>();
  readonly messages: PullMessage[] = [];
  async appendMessage(m: Omit<PullMessage, 'seq'>): Promise<number> {
    const stream = streamId(m);
    const seq = (this.counters.get(stream) ?? 0) + 1;
    this.counters.set(stream, seq);
    this.messages.push(copy({ ...m, seq }));
    return seq;
  }
  async listMessages(s: PullStream, after: number, limit: number): Promise<PullMessage[]> {
    return this.messages
      .filter((m) => streamId(m) === streamId(s) && m.seq > after)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map(copy);
  }
  async dropStream(s: PullStream): Promise<void> {
    this.counters.delete(streamId(s));
  }
}
const streamId = (s: PullStream) => `${s.destinationId}#${s.generation}`;

type Indexed = { d: Delivery; ttl?: number | undefined; index?: { which: 'pending' | 'dead'; sk: string } };
const deliveryId = (k: DeliveryKey) => `${k.eventId}#${k.destinationId}#${String(k.part).padStart(2, '0')}`;

export class MemoryDeliveryRepo implements DeliveryRepo {
  readonly items = new Map<string, Indexed>();
  readonly attempts: DeliveryAttempt[] = [];

  async createDelivery(d: Delivery, ttl?: number, nowSec?: number): Promise<'created' | 'exists'> {
    const prior = this.items.get(deliveryId(d));
    const expired = nowSec !== undefined && prior?.ttl !== undefined && prior.ttl < nowSec;
    if (prior && !expired) return 'exists';
    const index =
      d.status === 'pending'
        ? { which: 'pending' as const, sk: `${d.createdAt}#${d.eventId}#${d.part}` }
        : undefined;
    this.items.set(deliveryId(d), { d: copy(d), ttl, index });
    return 'created';
  }

  async getDelivery(eventId: string, destinationId: string, part: number): Promise<Delivery | undefined> {
    const it = this.items.get(deliveryId({ eventId, destinationId, part }));
    return it && copy(it.d);
  }

  async claimAttempt(
    k: DeliveryKey,
    round: number,
    attempt: number,
    at: string,
    staleBefore: string,
  ): Promise<ClaimResult> {
    const d = this.items.get(deliveryId(k))?.d;
    const stale = d?.claimedAt !== undefined && d.claimedAt < staleBefore;
    if (
      d?.status === 'pending' &&
      d.round === round &&
      (d.attempts === attempt || (d.attempts === attempt + 1 && stale))
    ) {
      Object.assign(d, { attempts: attempt + 1, claimedAt: at, updatedAt: at });
      return { outcome: 'claimed', delivery: copy(d) };
    }
    const held =
      d?.status === 'pending' && d.round === round && d.attempts === attempt + 1 && d.claimedAt !== undefined;
    return held ? { outcome: 'busy' } : { outcome: 'skipped' };
  }

  async recordAttempt(a: DeliveryAttempt): Promise<void> {
    this.attempts.push(copy(a));
  }

  async postponeAttempt(
    k: DeliveryKey,
    round: number,
    attempt: number,
    at: string,
    nextAttemptAt: string,
  ): Promise<void> {
    const d = this.items.get(deliveryId(k))?.d;
    if (d?.status === 'pending' && d.round === round && d.attempts === attempt + 1)
      Object.assign(d, { attempts: attempt, nextAttemptAt, updatedAt: at, claimedAt: undefined });
  }

  async settle(
    k: DeliveryKey,
    round: number,
    change: SettleChange,
    attempt?: { record: DeliveryAttempt },
  ): Promise<void> {
    if (attempt) await this.recordAttempt(attempt.record);
    const it = this.items.get(deliveryId(k));
    if (it?.d.round !== round) return;
    const { at, ...rest } = change;
    it.d = {
      ...it.d,
      ...rest,
      lastError: change.lastError,
      nextAttemptAt: change.nextAttemptAt,
      deadReason: change.deadReason,
      updatedAt: at,
      claimedAt: undefined,
    };
    const sk = `${at}#${k.eventId}#${k.part}`;
    if (change.status === 'dead' && change.deadReason !== 'destination_deleted')
      it.index = { which: 'dead', sk };
    else if (change.status === 'pending') it.index = { which: 'pending', sk };
    else it.index = undefined;
  }

  async startRound(
    k: DeliveryKey,
    cause: string,
    at: string,
    onlyIfDead: boolean,
    generation?: string,
  ): Promise<number | undefined> {
    const it = this.items.get(deliveryId(k));
    if (!it || it.d.roundCause === cause || (onlyIfDead && it.d.status !== 'dead')) return undefined;
    it.d = {
      ...it.d,
      round: it.d.round + 1,
      attempts: 0,
      status: 'pending',
      roundCause: cause,
      updatedAt: at,
      ...(generation === undefined ? {} : { destinationGeneration: generation }),
      nextAttemptAt: undefined,
      deadReason: undefined,
      claimedAt: undefined,
    };
    it.index = { which: 'pending', sk: `${at}#${k.eventId}#${k.part}` };
    return it.d.round;
  }

  async listForEvent(eventId: string): Promise<{ deliveries: Delivery[]; attempts: DeliveryAttempt[] }> {
    const deliveries = [...this.items.entries()].filter(([, it]) => it.d.eventId === eventId);
    return {
      deliveries: page(deliveries, ([id]) => id, Number.POSITIVE_INFINITY).items.map(([, it]) => it.d),
      attempts: this.attempts.filter((a) => a.eventId === eventId).map(copy),
    };
  }

  private indexed(destinationId: string, which: 'pending' | 'dead'): Indexed[] {
    return [...this.items.values()].filter(
      (it) => it.d.destinationId === destinationId && it.index?.which === which,
    );
  }

  async listDeadLetters(destinationId: string, limit = 100): Promise<Delivery[]> {
    return page(this.indexed(destinationId, 'dead'), (it) => it.index?.sk ?? '', limit).items.map(
      (it) => it.d,
    );
  }

  async listIndexedForDestination(
    destinationId: string,
    which: 'pending' | 'dead',
    cursor?: string,
    limit = 100,
  ): Promise<Page<Delivery>> {
    const p = page(this.indexed(destinationId, which), (it) => it.index?.sk ?? '', limit, cursor);
    return { items: p.items.map((it) => it.d), cursor: p.cursor };
  }

  async countIndexed(destinationId: string, which: 'pending' | 'dead', cap: number): Promise<IndexCount> {
    const all = this.indexed(destinationId, which);
    const oldest = all.map((it) => it.index?.sk ?? '').sort()[0];
    return { count: Math.min(all.length, cap), capped: all.length > cap, oldestAt: oldest?.split('#')[0] };
  }

  async retireForDeletedDestination(d: Delivery, at: string): Promise<void> {
    const it = this.items.get(deliveryId(d));
    if (it?.d.round !== d.round || it.d.status !== d.status) return;
    it.index = undefined;
    if (d.status === 'pending')
      it.d = {
        ...it.d,
        status: 'dead',
        deadReason: 'destination_deleted',
        updatedAt: at,
        nextAttemptAt: undefined,
        claimedAt: undefined,
      };
  }
}

export class MemoryReadModelRepo implements ReadModelRepo {
  readonly items = new Map<string, ObjectState>();
  async applyState(s: ObjectState): Promise<'applied' | 'stale'> {
    const key = `${s.provider}#${s.objectType}#${s.objectId}`;
    const prior = this.items.get(key);
    if (prior && prior.order[0] === s.order[0] && !(prior.order < s.order)) return 'stale';
    this.items.set(key, copy(s));
    return 'applied';
  }
  async findObjects(objectType: string, objectId: string, provider?: string): Promise<ObjectState[]> {
    const found = [...this.items.values()].filter(
      (s) =>
        s.objectType === objectType &&
        s.objectId === objectId &&
        (provider === undefined || s.provider === provider),
    );
    return page(found, (s) => s.provider, Number.POSITIVE_INFINITY).items;
  }
  async getObject(provider: string, objectType: string, objectId: string): Promise<ObjectState | undefined> {
    const s = this.items.get(`${provider}#${objectType}#${objectId}`);
    return s && copy(s);
  }
  async customerSubscriptions(customerId: string, provider?: string): Promise<ObjectState[]> {
    const found = [...this.items.values()].filter(
      (s) =>
        s.objectType === 'subscription' &&
        s.customerId === customerId &&
        (provider === undefined || s.provider === provider),
    );
    return page(found, (s) => `${s.provider}#${s.objectId}`, Number.POSITIVE_INFINITY).items;
  }
}

type Marker = {
  at: string;
  claimedAt?: string;
  claimToken?: string | undefined;
  confirmedAt?: string;
  ttl?: number | undefined;
};

export class MemoryBusMarkerRepo implements BusMarkerRepo {
  readonly items = new Map<string, Marker>();
  async claimPublication(
    eventId: string,
    at: string,
    opts: { ttl?: number; nowSec?: number; token?: string | undefined; staleBefore: string },
  ): Promise<boolean> {
    const m = this.items.get(eventId);
    const retake =
      m !== undefined &&
      m.confirmedAt === undefined &&
      ((m.claimedAt !== undefined && m.claimedAt < opts.staleBefore) ||
        (opts.token !== undefined && m.claimToken === opts.token));
    const expired = opts.nowSec !== undefined && m?.ttl !== undefined && m.ttl < opts.nowSec;
    if (m && !retake && !expired) return false;
    this.items.set(eventId, { at, claimedAt: at, claimToken: opts.token, ttl: opts.ttl });
    return true;
  }
  async confirmPublication(eventId: string, at: string, ttl?: number): Promise<void> {
    this.items.set(eventId, { at, confirmedAt: at, ttl });
  }
  async confirmPublications(eventIds: string[], at: string, ttl?: number): Promise<void> {
    for (const id of eventIds) await this.confirmPublication(id, at, ttl);
  }
  async releasePublication(eventId: string): Promise<void> {
    this.items.delete(eventId);
  }
}

export class MemoryReplayRepo implements ReplayRepo {
  readonly items = new Map<string, ReplayJob>();
  async createReplay(job: ReplayJob): Promise<'created' | 'exists'> {
    if (this.items.has(job.id)) return 'exists';
    this.items.set(job.id, copy(job));
    return 'created';
  }
  async getReplay(id: string): Promise<ReplayJob | undefined> {
    const j = this.items.get(id);
    return j && copy(j);
  }
  async listReplays(limit: number, cursor?: string): Promise<Page<ReplayJob>> {
    return page([...this.items.values()], (j) => `${j.createdAt}#${j.id}`, limit, cursor, true);
  }
  async advanceReplay(
    job: ReplayJob,
    next: { cursor: string | undefined; scanned: number; queued: number; at: string },
  ): Promise<boolean> {
    const j = this.items.get(job.id);
    const samePage =
      job.cursor === undefined ? j?.cursor === undefined && j?.pages === job.pages : j?.cursor === job.cursor;
    if (!j || !samePage) return false;
    Object.assign(j, {
      pages: j.pages + 1,
      eventsScanned: j.eventsScanned + next.scanned,
      deliveriesQueued: j.deliveriesQueued + next.queued,
      updatedAt: next.at,
      status: next.cursor === undefined ? 'done' : 'running',
      cursor: next.cursor,
    });
    return true;
  }
}

export class MemoryConnectionRepo implements ConnectionRepo {
  readonly sessions = new Map<string, ConnectSession>();
  readonly states = new Map<string, OAuthState>();
  readonly items = new Map<string, ConnectionRecord>();
  readonly revocations = new Map<string, RevocationJob>();

  async putRevocation(job: RevocationJob): Promise<void> {
    this.revocations.set(job.connectionId, copy(job));
  }
  async getRevocation(connectionId: string): Promise<RevocationJob | undefined> {
    const j = this.revocations.get(connectionId);
    return j && copy(j);
  }
  async dueRevocations(now: number, limit: number): Promise<RevocationJob[]> {
    return [...this.revocations.values()]
      .filter((j) => j.status === 'pending' && (j.nextAttemptAt ?? 0) <= now)
      .sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0))
      .slice(0, limit)
      .map(copy);
  }
  async updateRevocation(job: RevocationJob, expectedAttempts: number): Promise<boolean> {
    if (this.revocations.get(job.connectionId)?.attempts !== expectedAttempts) return false;
    this.revocations.set(job.connectionId, copy(job));
    return true;
  }

  async putSession(s: ConnectSession): Promise<void> {
    if (this.sessions.has(s.id)) throw conflict();
    this.sessions.set(s.id, copy(s));
  }
  async consumeSession(id: string, now: number): Promise<SessionConsumeResult> {
    const s = this.sessions.get(id);
    if (!s) return { ok: false, reason: 'unknown' };
    if (s.usedAt || s.expiresAt <= now) return { ok: false, reason: s.usedAt ? 'used' : 'expired' };
    s.usedAt = new Date(now).toISOString();
    return { ok: true, session: copy(s) };
  }
  async getSession(id: string): Promise<ConnectSession | undefined> {
    const s = this.sessions.get(id);
    return s && copy(s);
  }
  async putState(s: OAuthState): Promise<void> {
    if (this.states.has(s.state)) throw conflict();
    this.states.set(s.state, copy(s));
  }
  async takeState(state: string, now: number, bindingHash: string): Promise<StateTakeResult> {
    const s = this.states.get(state);
    if (s?.bindingHash !== bindingHash)
      return { ok: false, reason: s && s.expiresAt > now ? 'binding' : 'unknown' };
    this.states.delete(state);
    return s.expiresAt <= now ? { ok: false, reason: 'unknown' } : { ok: true, state: s };
  }

  async get(id: string): Promise<ConnectionRecord | undefined> {
    const c = this.items.get(id);
    return c && copy(c);
  }
  async save(c: ConnectionRecord, expectedVersion: number | undefined): Promise<boolean> {
    const prior = this.items.get(c.id);
    if (expectedVersion === undefined ? prior !== undefined : prior?.version !== expectedVersion)
      return false;
    this.items.set(c.id, copy(c));
    return true;
  }
  async acquireLease(id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const c = this.items.get(id);
    if (!c || (c.leaseUntil !== undefined && c.leaseUntil >= now)) return false;
    Object.assign(c, { leaseOwner: owner, leaseUntil: now + leaseMs });
    return true;
  }
  async updateUnderLease(...args: Parameters<ConnectionRepo['updateUnderLease']>): Promise<boolean> {
    const [id, owner, expectedVersion, set, opts] = args;
    const c = this.items.get(id);
    if (c?.version !== expectedVersion || (!opts.leaseLost && c.leaseOwner !== owner)) return false;
    for (const [k, v] of Object.entries(copy(set)))
      if (v !== undefined && k !== 'version') Object.assign(c, { [k]: v });
    if (opts.bumpVersion) c.version++;
    for (const k of [
      ...(opts.leaseLost ? [] : (['leaseOwner', 'leaseUntil'] as const)),
      ...(opts.remove ?? []),
    ])
      Object.assign(c, { [k]: undefined });
    return true;
  }
  async releaseLease(id: string, owner: string): Promise<void> {
    const c = this.items.get(id);
    if (c?.leaseOwner !== owner) return;
    c.leaseOwner = undefined;
    c.leaseUntil = undefined;
  }
  async reseal(id: string, expectedVersion: number, tokens: string, kid: string): Promise<boolean> {
    const c = this.items.get(id);
    if (c?.version !== expectedVersion) return false;
    Object.assign(c, { tokens, kid, version: c.version + 1 });
    return true;
  }
  async delete(id: string): Promise<boolean> {
    return this.items.delete(id);
  }
  async list(q: ConnectionQuery): Promise<Page<ConnectionRecord>> {
    const found = [...this.items.values()].filter(
      (c) =>
        (q.endUserId === undefined || c.endUserId === q.endUserId) &&
        (q.integrationId === undefined || c.integrationId === q.integrationId) &&
        (q.status === undefined || c.status === q.status),
    );
    const keyOf = (c: ConnectionRecord) =>
      q.endUserId === undefined ? `${c.integrationId}#${c.status}#${c.id}` : `${c.integrationId}#${c.id}`;
    return page(found, keyOf, q.limit ?? 100, q.cursor);
  }
}

export class MemoryIntegrationRepo implements IntegrationRepo {
  readonly items = new Map<string, IntegrationRecord>();
  async put(
    id: string,
    config: IntegrationConfig,
    now: string,
  ): Promise<{ record: IntegrationRecord; created: boolean }> {
    const prior = this.items.get(id);
    const record = { id, config: copy(config), createdAt: prior?.createdAt ?? now, updatedAt: now };
    this.items.set(id, record);
    return { record: copy(record), created: !prior };
  }
  async get(id: string): Promise<IntegrationRecord | undefined> {
    const r = this.items.get(id);
    return r && copy(r);
  }
  async list(limit = 100, cursor?: string): Promise<Page<IntegrationRecord>> {
    return page([...this.items.values()], (r) => r.id, limit, cursor);
  }
}

export class MemoryApiKeyRepo implements ApiKeyRepo {
  readonly items = new Map<string, ApiKeyRecord>();
  async put(rec: ApiKeyRecord): Promise<void> {
    if (this.items.has(rec.id)) throw conflict();
    this.items.set(rec.id, copy(rec));
  }
  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const r = this.items.get(id);
    return r && copy(r);
  }
  getForAuth(id: string): Promise<ApiKeyRecord | undefined> {
    return this.get(id);
  }
  async list(limit = 100): Promise<ApiKeyRecord[]> {
    return page([...this.items.values()], (r) => `${r.createdAt}#${r.id}`, limit).items;
  }
  async revoke(id: string, at: string): Promise<boolean> {
    const r = this.items.get(id);
    if (!r) return false;
    r.revokedAt ??= at;
    return true;
  }
}

/** One fake of every store port. */
export class MemoryReconcilerRepo implements ReconcilerRepo {
  readonly items = new Map<string, { r: Reconciler; lease?: { owner: string; until: string } }>();
  async save(
    r: Pick<Reconciler, 'id' | 'provider' | 'source'> & ReconcilerSettings,
    now: string,
  ): Promise<{ reconciler: Reconciler; created: boolean }> {
    const old = this.items.get(r.id);
    const next: Reconciler = { createdAt: now, nextRunAt: now, ...old?.r, ...r, updatedAt: now };
    this.items.set(r.id, { ...old, r: next });
    return { reconciler: copy(next), created: !old };
  }
  async get(id: string): Promise<Reconciler | undefined> {
    const it = this.items.get(id);
    return it && copy(it.r);
  }
  async list(limit: number, cursor?: string): Promise<Page<Reconciler>> {
    return page(
      [...this.items.values()].map((i) => i.r),
      (r) => r.id,
      limit,
      cursor,
    );
  }
  async beginRun(id: string, owner: string, now: string, until: string): Promise<boolean> {
    const it = this.items.get(id);
    if (!it || (it.lease && it.lease.until >= now)) return false;
    it.lease = { owner, until };
    return true;
  }
  async saveProgress(id: string, owner: string, run: ReconcileRun): Promise<boolean> {
    const it = this.items.get(id);
    if (it?.lease?.owner !== owner) return false;
    it.r.progress = copy(run);
    return true;
  }
  async finishRun(
    id: string,
    owner: string,
    end: { run: ReconcileRun; nextRunAt: string; checkpoint?: string | undefined },
  ): Promise<void> {
    const it = this.items.get(id);
    if (it?.lease?.owner !== owner) return;
    Object.assign(it.r, { lastRun: copy(end.run), nextRunAt: end.nextRunAt });
    if (end.checkpoint === undefined) it.r.progress = copy(end.run);
    else Object.assign(it.r, { checkpoint: end.checkpoint, progress: undefined });
    it.lease = undefined;
  }
}

export function memoryStores(now: () => number = Date.now) {
  const destinations = new MemoryDestinationRepo();
  return {
    events: new MemoryEventRepo({ now }),
    destinations,
    flow: new MemoryFlowRepo(destinations),
    deliveries: new MemoryDeliveryRepo(),
    pullMessages: new MemoryPullMessageRepo(),
    readModel: new MemoryReadModelRepo(),
    busMarkers: new MemoryBusMarkerRepo(),
    replays: new MemoryReplayRepo(),
    connections: new MemoryConnectionRepo(),
    integrations: new MemoryIntegrationRepo(),
    apiKeys: new MemoryApiKeyRepo(),
    reconcilers: new MemoryReconcilerRepo(),
  };
}

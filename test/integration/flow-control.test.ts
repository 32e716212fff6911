/**
 * Flow control end to end on the local runtime (dynalite, the real deliveries-send handler, the
 * emulated SQS queue with its 5 concurrent pollers) and a receiver on 127.0.0.1: the rate limit and
 * the in-flight ceiling measured at the receiver, the store calls they cost, and a circuit that
 * opens on failures, probes a slow receiver, and closes when it recovers, losing nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { currentFunction, localIam } from '../../infra/local/iam.js';
import { ManualClock } from '../../infra/local/pipeline.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { CIRCUIT_DEFAULTS } from '../../shared/delivery/circuit.js';
import { eventIdFor } from '../../shared/events/record.js';
import type { FlowRepo } from '../../shared/ports/index.js';
import { apiCaller } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { postStripeWebhook } from '../support/stripe-webhook.js';

const STRIPE_SECRET = 'whsec_test_flow_0123456789abcdef';
const TIMEOUT_MS = 3000;
const api = apiCaller(() => rt.url, TEST_ADMIN_KEY);

let rt: LocalRuntime;
let temp: TempSecrets;
let receiver: Server;
let receiverUrl: string;

/** How the receiver answers a path: status after delayMs. */
const behaviour = new Map<string, { status: number; delayMs: number }>();
interface Arrival {
  path: string;
  id: string;
  at: number;
}
const arrivals: Arrival[] = [];
const inFlight = new Map<string, number>();
const maxInFlightSeen = new Map<string, number>();
/** Successful receipts per webhook-id: the app's effect. */
const effects = new Map<string, number>();

function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    const path = req.url ?? '/';
    const id = String(req.headers['webhook-id'] ?? '');
    const now = (inFlight.get(path) ?? 0) + 1;
    inFlight.set(path, now);
    maxInFlightSeen.set(path, Math.max(now, maxInFlightSeen.get(path) ?? 0));
    arrivals.push({ path, id, at: performance.now() });
    res.on('close', () => inFlight.set(path, (inFlight.get(path) ?? 1) - 1));
    req.resume().on('end', () => {
      const { status, delayMs } = behaviour.get(path) ?? { status: 204, delayMs: 0 };
      setTimeout(() => {
        if (res.destroyed) return;
        if (status < 300) effects.set(id, (effects.get(id) ?? 0) + 1);
        res.writeHead(status).end(status < 300 ? '' : 'boom');
      }, delayMs);
    });
  });
  return new Promise((r) =>
    receiver.listen(0, '127.0.0.1', () => {
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      r();
    }),
  );
}

/**
 * deliveries-send's DynamoDB calls, counted by the IAM guard every call passes; its GetItems (the
 * destination, read once per queue batch, so a share that depends on how the batches fell) are
 * left out, so the count is what each delivery itself costs.
 */
let sendCalls = 0;
const iam = localIam();
/** Calls made to each FlowRepo method. */
const flowCalls = new Map<string, number>();

let seq = 0;
/** Posts `n` Stripe events, 10 at a time (so a backlog builds); their Hookbridge ids. */
async function postEvents(n: number): Promise<string[]> {
  const ids: string[] = [];
  const one = async () => {
    const id = `evt_flow_${++seq}`;
    ids.push(eventIdFor('stripe', 'default', id));
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: 1_760_000_000 + seq,
      data: { object: { id: `pi_flow_${seq}`, amount: 100, amount_received: 100, currency: 'usd' } },
    });
    const res = await postStripeWebhook(
      rt.url,
      payload,
      STRIPE_SECRET,
      Math.floor(rt.pipeline.clock.now() / 1000),
    );
    expect(res.status).toBe(200);
  };
  for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: Math.min(10, n - i) }, one));
  return ids;
}

const at = (path: string) => arrivals.filter((a) => a.path === path);

/** Waits (bounded) until `path` has received `n` different webhook-ids, then for the pipeline to settle. */
async function deliveredTo(path: string, n: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (new Set(at(path).map((a) => a.id)).size < n && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  await rt.pipeline.idle(20_000);
}

async function destination(name: string, settings: Record<string, unknown> = {}) {
  const r = await api('PUT', `/destinations/${name}`, { url: `${receiverUrl}/${name}`, ...settings });
  expect(r.status).toBe(201);
  return r.json!;
}

const attemptsOf = async (eventId: string, destinationId: string) => {
  const items = (await api('GET', `/events/${eventId}/deliveries`)).json!.items as {
    destinationId: string;
    status: string;
    attempts: { status: number }[];
  }[];
  return items.find((d) => d.destinationId === destinationId)!;
};

beforeAll(async () => {
  temp = await writeTempSecrets('hb-flow-', { 'hookbridge/webhooks/stripe': { secrets: [STRIPE_SECRET] } });
  await startReceiver();
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: TEST_ADMIN_KEY,
    env: {
      HOOKBRIDGE_TEST_ALLOW_HOSTS: new URL(receiverUrl).host,
      HOOKBRIDGE_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
      HOOKBRIDGE_LOG_LEVEL: 'error',
    },
    overrides: {
      // Every call still passes local IAM; the test counts deliveries-send's.
      guard: {
        dynamodb(action) {
          if (currentFunction() === 'deliveries-send' && action !== 'GetItem') sendCalls++;
          iam.dynamodb(action);
        },
        secret: (name) => iam.secret(name),
      },
      // No jitter: the circuit's resume times and the retry schedule are exact.
      random: () => 0.5,
    },
  });
  const flow = rt.container.delivery.flow as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const m of [
    'reserveRate',
    'acquireLease',
    'releaseLease',
    'countOutcome',
    'openCircuit',
    'takeProbe',
    'closeCircuit',
  ] satisfies (keyof FlowRepo)[]) {
    const original = flow[m]!.bind(flow);
    flow[m] = (...a: unknown[]) => {
      flowCalls.set(m, (flowCalls.get(m) ?? 0) + 1);
      return original(...a);
    };
  }
}, 30_000);

afterAll(async () => {
  await rt?.close();
  await new Promise((r) => receiver?.close(r));
  await temp?.remove();
});

afterEach(async () => {
  for (const name of ['plain', 'rated', 'leased', 'both', 'breaker'])
    await api('DELETE', `/destinations/${name}`);
  await rt.pipeline.idle();
});

const flowTotal = () => [...flowCalls.values()].reduce((s, n) => s + n, 0);

describe('settings', () => {
  it('PUT takes rateLimit, maxInFlight and circuitBreaker; GET shows them, the defaults and a closed circuit', async () => {
    const created = await destination('rated', {
      rateLimit: { perSecond: 2.5 },
      maxInFlight: 4,
      circuitBreaker: { consecutiveFailures: 3, coolDownSeconds: 5 },
    });
    const got = (await api('GET', '/destinations/rated')).json!;
    expect(got).toEqual(created);
    expect(got).toMatchObject({
      rateLimit: { perSecond: 2.5 },
      maxInFlight: 4,
      circuitBreaker: {
        enabled: true,
        consecutiveFailures: 3,
        failureRatio: 0.5,
        minAttempts: 20,
        windowSeconds: 60,
        coolDownSeconds: 5,
      },
      circuit: { state: 'closed' },
    });
    // A PUT without them (the console's edit, an older client) keeps them; null removes one.
    const kept = await api('PUT', '/destinations/rated', { url: `${receiverUrl}/rated`, description: 'x' });
    expect(kept.status).toBe(200);
    expect(kept.json).toMatchObject({ rateLimit: { perSecond: 2.5 }, maxInFlight: 4, description: 'x' });
    expect(kept.json!.circuitBreaker.consecutiveFailures).toBe(3);
    const removed = await api('PUT', '/destinations/rated', {
      url: `${receiverUrl}/rated`,
      rateLimit: null,
      circuitBreaker: null,
    });
    expect(removed.json!.rateLimit).toBeUndefined();
    expect(removed.json!.maxInFlight).toBe(4);
    expect(removed.json!.circuitBreaker).toEqual(CIRCUIT_DEFAULTS);
    expect((await api('GET', '/destinations/rated')).json).toEqual(removed.json);
  });

  it.each([
    [{ rateLimit: { perSecond: 0 } }, 'rateLimit.perSecond'],
    [{ rateLimit: { perSecond: 5e-324 } }, 'rateLimit.perSecond'],
    [{ rateLimit: { perSecond: 1001 } }, 'rateLimit.perSecond'],
    [{ rateLimit: { perSecond: 5, burst: 2 } }, 'rateLimit'],
    [{ rateLimit: 5 }, 'rateLimit'],
    [{ maxInFlight: 0 }, 'maxInFlight'],
    [{ maxInFlight: 1.5 }, 'maxInFlight'],
    [{ maxInFlight: 101 }, 'maxInFlight'],
    [{ circuitBreaker: { failureRatio: 1.5 } }, 'circuitBreaker.failureRatio'],
    [{ circuitBreaker: { coolDownSeconds: 0 } }, 'circuitBreaker.coolDownSeconds'],
    [{ circuitBreaker: { consecutiveFailures: 'ten' } }, 'circuitBreaker.consecutiveFailures'],
    [{ circuitBreaker: { threshold: 3 } }, 'circuitBreaker'],
    [{ type: 'pull', rateLimit: { perSecond: 1 } }, 'rateLimit'],
    [{ type: 'pull', maxInFlight: 2 }, 'maxInFlight'],
    [{ circuitBreaker: { enabled: null } }, 'circuitBreaker.enabled'],
  ])('%j is 400 naming %s, and nothing is stored', async (settings, field) => {
    const body = 'type' in settings ? settings : { url: `${receiverUrl}/rated`, ...settings };
    const r = await api('PUT', '/destinations/rated', body);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toContain(field);
    expect((await api('GET', '/destinations/rated')).status).toBe(404);
  });
});

describe('limits under concurrency (5 pollers x 10 messages)', () => {
  it('rateLimit 5/s: 30 deliveries start at most 5 in any second, each once, none counted twice', async () => {
    await destination('rate-5', { rateLimit: { perSecond: 5 } });
    const t = performance.now();
    const ids = await postEvents(30);
    const postedMs = performance.now() - t;
    await deliveredTo('/rate-5', 30);
    const got = at('/rate-5');
    // Every delivery arrived; a second arrival is an attempt retried (a timeout on this busy machine), still limited.
    expect(new Set(got.map((g) => g.id))).toEqual(new Set(ids));
    let attempts = 0;
    for (const id of ids) attempts += (await attemptsOf(id, 'rate-5')).attempts.length;
    expect(attempts).toBe(got.length);
    const times = got.map((g) => g.at).sort((a, b) => a - b);
    const maxIn = (ms: number) =>
      Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + ms).length));
    const maxInAnySecond = maxIn(1000);
    const achieved = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
    console.log(
      `rate 5/s: achieved ${achieved.toFixed(2)}/s, at most ${maxInAnySecond} in any 1 s (posted in ${Math.round(postedMs)} ms)`,
    );
    // Slots are 200 ms apart; arrival times here carry this busy machine's event-loop jitter, which
    // can move one start across each edge of a window: at most rate x window + 2.
    expect(maxInAnySecond).toBeLessThanOrEqual(7);
    expect(maxIn(2000)).toBeLessThanOrEqual(12);
    expect(maxIn(4000)).toBeLessThanOrEqual(22);
    expect(achieved).toBeLessThanOrEqual(5.25);
    expect(achieved).toBeGreaterThan(3);
    expect(rt.pipeline.queueDeadLetters).toHaveLength(0);
    await api('DELETE', '/destinations/rate-5');
  }, 40_000);

  it('maxInFlight 3 against a 200 ms receiver: never more than 3 at once, each delivery once', async () => {
    behaviour.set('/leased-3', { status: 204, delayMs: 200 });
    await destination('leased-3', { maxInFlight: 3 });
    const ids = await postEvents(30);
    await deliveredTo('/leased-3', 30);
    const got = at('/leased-3');
    console.log(`maxInFlight 3: max observed ${maxInFlightSeen.get('/leased-3')}`);
    expect(maxInFlightSeen.get('/leased-3')).toBe(3);
    expect(new Set(got.map((g) => g.id))).toEqual(new Set(ids));
    let attempts = 0;
    for (const id of ids) {
      const d = await attemptsOf(id, 'leased-3');
      expect(d).toMatchObject({ status: 'delivered' });
      attempts += d.attempts.length;
    }
    // Waiting for a lease is not an attempt: each arrival is one recorded attempt.
    expect(attempts).toBe(got.length);
    await api('DELETE', '/destinations/leased-3');
  }, 40_000);

  it('store calls per delivery: none extra without limits, +1 for a rate limit, +2 for maxInFlight', async () => {
    const perDelivery = async (name: string, settings: Record<string, unknown>) => {
      await destination(name, settings);
      const [calls0, flow0] = [sendCalls, flowTotal()];
      // One at a time: concurrent pollers racing for one bucket would add a retried conditional
      // write now and then, and this counts the calls of the uncontended path.
      for (let i = 1; i <= 10; i++) {
        await postEvents(1);
        await deliveredTo(`/${name}`, i);
      }
      const out = { calls: (sendCalls - calls0) / 10, flow: flowTotal() - flow0 };
      await api('DELETE', `/destinations/${name}`);
      return out;
    };
    const plain = await perDelivery('plain', {});
    const rated = await perDelivery('rated', { rateLimit: { perSecond: 1000 } });
    const leased = await perDelivery('leased', { maxInFlight: 50 });
    const both = await perDelivery('both', { rateLimit: { perSecond: 1000 }, maxInFlight: 50 });
    console.log(
      `DynamoDB calls per delivery in deliveries-send: plain ${plain.calls}, rateLimit ${rated.calls}, maxInFlight ${leased.calls}, both ${both.calls}`,
    );
    expect(plain.flow).toBe(0);
    expect(rated.calls - plain.calls).toBe(1);
    expect(leased.calls - plain.calls).toBe(2);
    expect(both.calls - plain.calls).toBe(3);
  }, 40_000);
});

describe('circuit breaker', () => {
  it('opens after 3 failures, waits uncounted, probes a slow receiver, reopens, closes on recovery: all delivered once', async () => {
    const clock = new ManualClock(Date.now());
    rt.pipeline.useClock(clock);
    try {
      const path = '/breaker';
      behaviour.set(path, { status: 500, delayMs: 0 });
      await destination('breaker', { circuitBreaker: { consecutiveFailures: 3, coolDownSeconds: 30 } });
      const t0 = clock.now();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(...(await postEvents(1)));
        await rt.pipeline.idle();
      }
      // Three failed attempts open it; the next two deliveries wait without an attempt.
      expect(at(path)).toHaveLength(3);
      const opened = (await api('GET', '/destinations/breaker')).json!.circuit;
      expect(opened).toEqual({
        state: 'open',
        reason: '3 consecutive failures (last: HTTP 500)',
        openedAt: new Date(t0).toISOString(),
        nextProbeAt: new Date(t0 + 30_000).toISOString(),
      });
      expect((await attemptsOf(ids[4]!, 'breaker')).attempts).toHaveLength(0);

      // The receiver slows past the attempt timeout. The retries due at +5 s wait: nothing is sent.
      behaviour.set(path, { status: 204, delayMs: TIMEOUT_MS + 500 });
      await rt.pipeline.advance(20_000);
      expect(at(path)).toHaveLength(3);
      // After the cool-down (the waiting ones come back spread after it), one probe: it times out.
      await rt.pipeline.advance(30_000);
      expect(at(path)).toHaveLength(4);
      const reopened = (await api('GET', '/destinations/breaker')).json!.circuit;
      expect(reopened.state).toBe('open');
      expect(reopened.reason).toBe(`probe failed: timeout after ${TIMEOUT_MS} ms`);
      expect(Date.parse(reopened.nextProbeAt)).toBeGreaterThan(clock.now());

      // It recovers: the next probe succeeds, the circuit closes, the waiting deliveries go.
      behaviour.set(path, { status: 204, delayMs: 0 });
      await rt.pipeline.advance(60_000);
      expect((await api('GET', '/destinations/breaker')).json!.circuit).toEqual({ state: 'closed' });
      // The timed-out probe's own retry comes on its schedule (5 min after it).
      await rt.pipeline.advance(6 * 60_000);
      for (const id of ids) {
        expect(effects.get(id)).toBe(1);
        const d = await attemptsOf(id, 'breaker');
        expect(d.status).toBe('delivered');
        // Every attempt recorded reached the receiver: waiting was never an attempt.
        expect(d.attempts).toHaveLength(at(path).filter((a) => a.id === id).length);
      }
      // 3 failures, the slow probe, the good probe, the other 4.
      expect(at(path)).toHaveLength(9);
      const dead = await api('GET', '/destinations/breaker/deliveries?status=dead');
      expect(dead.json!.items).toEqual([]);
      expect(rt.pipeline.queueDeadLetters).toHaveLength(0);
    } finally {
      rt.pipeline.useClock(undefined);
      await api('DELETE', '/destinations/breaker');
    }
  }, 50_000);
});

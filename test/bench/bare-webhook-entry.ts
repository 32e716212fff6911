// Handler-floor baseline (./handler-floor.bench.ts): the least a Stripe webhook handler can do and
// still store the item webhooks-receive stores (same attribute names and values: the event's keys
// and its one index key, the record, the kept headers, the gzipped body), as a Lambda handler,
// bundled as the stack bundles functions. Low-level client, the item built by hand as
// AttributeValues: no lib-dynamodb marshalling.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type AttributeValue, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { EVENT } from '../../shared/adapters/dynamodb/keys.js';
import { eventIdFor } from '../../shared/events/record.js';

const env = process.env;
const table = env.HOOKBRIDGE_TABLE ?? '';
const secret = env.BENCH_FLOOR_SECRET ?? '';
const TOLERANCE_SEC = 300;
const RETENTION_SEC = 30 * 86_400;
// As the function's client is configured against a local endpoint (adapters/dynamodb/client.ts).
const ddb = new DynamoDBClient({
  region: env.AWS_REGION,
  endpoint: env.HOOKBRIDGE_DYNAMODB_ENDPOINT,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 2,
});
/** As receive.ts drops them. */
const DROPPED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

/** The `t` and `v1` of `Stripe-Signature: t=…,v1=…`. */
function stripeHeader(header: string): { t: string; v1: string } {
  let t = '';
  let v1 = '';
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq);
    if (k === 't') t = part.slice(eq + 1);
    else if (k === 'v1') v1 = part.slice(eq + 1);
  }
  return { t, v1 };
}

export const handler = async (event: APIGatewayProxyEventV2) => {
  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const { t, v1 } = stripeHeader(event.headers['stripe-signature'] ?? '');
  const now = Date.now();
  if (!(Math.abs(now / 1000 - Number(t)) <= TOLERANCE_SEC)) return { statusCode: 400 };
  const mac = createHmac('sha256', secret).update(`${t}.`).update(raw).digest();
  const sig = Buffer.from(v1, 'hex');
  if (!(mac.length === sig.length && timingSafeEqual(mac, sig))) return { statusCode: 401 };
  const evt = JSON.parse(raw.toString('utf8')) as { id: string; type: string; created: number };
  const id = eventIdFor('stripe', 'default', evt.id);
  const receivedAt = new Date(now).toISOString();
  const headers: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(event.headers)) if (v && !DROPPED_HEADERS.has(k)) headers[k] = S(v);
  const Item: Record<string, AttributeValue> = {
    pk: S(EVENT.pk(id)),
    sk: S(EVENT.sk),
    kind: S(EVENT.kind),
    gsi3pk: S(EVENT.listPk(EVENT.shardOf(id))),
    gsi3sk: S(EVENT.listSk(receivedAt, id)),
    ttl: N(Math.floor(now / 1000) + RETENTION_SEC),
    bodyEncoding: S('gzip'),
    id: S(id),
    provider: S('stripe'),
    source: S('default'),
    eventId: S(evt.id),
    type: S(evt.type),
    occurredAt: S(new Date(evt.created * 1000).toISOString()),
    receivedAt: S(receivedAt),
    bodySha256: S(createHash('sha256').update(raw).digest('hex')),
    bodySize: N(raw.length),
    contentType: S(event.headers['content-type'] ?? ''),
    headers: { M: headers },
    matchedSecret: N(0),
    body: { B: gzipSync(raw) },
  };
  await ddb.send(
    new PutItemCommand({ TableName: table, Item, ConditionExpression: 'attribute_not_exists(pk)' }),
  );
  return { statusCode: 200, body: JSON.stringify({ status: 'stored', id }) };
};

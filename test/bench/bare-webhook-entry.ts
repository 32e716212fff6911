// Handler-floor baseline (./handler-floor.bench.ts): the least a Stripe webhook handler can do and
// store what webhooks-receive stores, as a Lambda handler, bundled as the stack bundles functions.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { EVENT } from '../../shared/adapters/dynamodb/keys.js';
import { eventIdFor } from '../../shared/events/record.js';

const env = process.env;
const table = env.HOOKBRIDGE_TABLE ?? '';
const secret = env.BENCH_FLOOR_SECRET ?? '';
const ddb = DynamoDBDocumentClient.from(
  // As the function's client is configured against a local endpoint (adapters/dynamodb/client.ts).
  new DynamoDBClient({
    region: env.AWS_REGION,
    endpoint: env.HOOKBRIDGE_DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  }),
  { marshallOptions: { removeUndefinedValues: true } },
);

export const handler = async (event: APIGatewayProxyEventV2) => {
  const raw = Buffer.from(event.body ?? '');
  const header = event.headers['stripe-signature'] ?? '';
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const mac = createHmac('sha256', secret).update(`${parts.t}.`).update(raw).digest();
  const sig = Buffer.from(parts.v1 ?? '', 'hex');
  if (!(mac.length === sig.length && timingSafeEqual(mac, sig))) return { statusCode: 401 };
  const evt = JSON.parse(raw.toString('utf8')) as { id: string; type: string };
  const id = eventIdFor('stripe', 'default', evt.id);
  const receivedAt = new Date().toISOString();
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: {
        pk: EVENT.pk(id),
        sk: EVENT.sk,
        kind: EVENT.kind,
        // The one index key the real handler writes (events.ts eventItem).
        gsi3pk: EVENT.listPk(EVENT.shardOf(id)),
        gsi3sk: EVENT.listSk(receivedAt, id),
        ttl: Math.floor(Date.now() / 1000) + 30 * 86400,
        id,
        provider: 'stripe',
        source: 'default',
        eventId: evt.id,
        type: evt.type,
        receivedAt,
        bodySha256: createHash('sha256').update(raw).digest('hex'),
        bodySize: raw.length,
        headers: event.headers,
        matchedSecret: 0,
        bodyEncoding: 'gzip',
        body: gzipSync(raw),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { statusCode: 200, body: JSON.stringify({ status: 'stored', id }) };
};

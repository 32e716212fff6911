/**
 * AWS itself, stood in on 127.0.0.1 for the bundles: Secrets Manager (GetSecretValue), SQS
 * (SendMessage, GetQueueAttributes) and EventBridge (PutEvents), speaking the JSON protocols the SDK bundled in each
 * function uses (`X-Amz-Target`, `application/x-amz-json-1.x`). Every call is recorded with the
 * caller, read from the SigV4 credential (each function signs with its own access key id, its name).
 * Any other operation answers 400 and is recorded, so a test can assert there was none.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsCall {
  caller: string;
  target: string;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are AWS JSON, asserted field by field
  input: Record<string, any>;
}

export interface SentMessage {
  queueUrl: string;
  body: string;
  delaySec: number;
  messageId: string;
}

export interface AwsStandIn {
  endpoint: string;
  secrets: Map<string, string>;
  calls: AwsCall[];
  /** SendMessage bodies not yet taken by `takeMessages`. */
  takeMessages(): SentMessage[];
  close(): Promise<void>;
}

const callerOf = (req: IncomingMessage): string =>
  /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'unsigned';

type Answer = { status: number; body: unknown };
const awsError = (status: number, type: string, message: string): Answer => ({
  status,
  body: { __type: type, message },
});

export async function startAwsStandIn(): Promise<AwsStandIn> {
  const secrets = new Map<string, string>();
  const calls: AwsCall[] = [];
  let pending: SentMessage[] = [];

  const operations: Record<string, (input: AwsCall['input']) => Answer> = {
    'secretsmanager.GetSecretValue': ({ SecretId }) => {
      const value = secrets.get(String(SecretId));
      if (value === undefined)
        return awsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}-AbCdEf`;
      return {
        status: 200,
        body: {
          ARN: arn,
          Name: SecretId,
          SecretString: value,
          VersionId: '00000000-0000-4000-8000-000000000001',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1_700_000_000,
        },
      };
    },
    'AmazonSQS.SendMessage': ({ QueueUrl, MessageBody, DelaySeconds }) => {
      const messageId = randomUUID();
      pending.push({ queueUrl: QueueUrl, body: MessageBody, delaySec: DelaySeconds ?? 0, messageId });
      const md5 = createHash('md5').update(String(MessageBody)).digest('hex');
      return { status: 200, body: { MessageId: messageId, MD5OfMessageBody: md5 } };
    },
    // Depths: the messages sent to that queue and not yet taken (GET /health/pipeline reads them).
    'AmazonSQS.GetQueueAttributes': ({ QueueUrl }) => ({
      status: 200,
      body: {
        Attributes: {
          ApproximateNumberOfMessages: String(pending.filter((m) => m.queueUrl === QueueUrl).length),
          ApproximateNumberOfMessagesNotVisible: '0',
          ApproximateNumberOfMessagesDelayed: '0',
        },
      },
    }),
    'AWSEvents.PutEvents': ({ Entries }) => ({
      status: 200,
      body: { FailedEntryCount: 0, Entries: (Entries as unknown[]).map(() => ({ EventId: randomUUID() })) },
    }),
  };

  const answer = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const input = raw ? (JSON.parse(raw) as AwsCall['input']) : {};
    calls.push({ caller: callerOf(req), target, input });
    const op = operations[target];
    const out = op ? op(input) : awsError(400, 'UnknownOperationException', `${target} is not stood in`);
    const type = (out.body as { __type?: string }).__type;
    res.writeHead(out.status, {
      'content-type': 'application/x-amz-json-1.1',
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    res.end(JSON.stringify(out.body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secrets,
    calls,
    takeMessages: () => {
      const out = pending;
      pending = [];
      return out;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Function instances over the synthesized bundles: each a child process (`lambda-host.mjs`) on the
 * node running the tests (process.execPath), with only the environment Lambda would give it, and
 * the events AWS sends: HTTP API payload v2.0 (through the template's own routes), DynamoDB stream
 * batches, SQS batches, scheduled events.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { fromResult, type GatewayResponse, toEvent } from '../../../infra/local/gateway.js';
import { createRouter, type RouteDef } from '../../../shared/http/route.js';
import type { SentMessage } from './aws-standin.js';
import type { ShippedFunction } from './shipped.js';

const HOST = new URL('./lambda-host.mjs', import.meta.url).pathname;
export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

type Reply = { id: number; result?: unknown; error?: { name?: string; message?: string } };

export class FunctionInstance {
  private next = 0;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private output = '';

  private constructor(
    readonly fn: ShippedFunction,
    private readonly child: ChildProcess,
    /** process.version inside the instance. */
    readonly node: string,
  ) {
    child.on('message', (r: Reply) => this.waiting.get(r.id)?.(r));
  }

  /** Starts the instance and waits for its cold start (the handler module imported). */
  static async start(fn: ShippedFunction, env: Record<string, string>): Promise<FunctionInstance> {
    const child = fork(HOST, [fn.dir, fn.handler], { cwd: fn.dir, env, execArgv: [], silent: true });
    let output = '';
    const collect = (c: Buffer) => {
      output += c.toString();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const node = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${fn.name}: no cold start in 20 s\n${output}`)),
        20_000,
      );
      child.once('message', (m: { node: string }) => {
        clearTimeout(timer);
        resolve(m.node);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${fn.name} exited (${code}) during its cold start:\n${output}`));
      });
    });
    const instance = new FunctionInstance(fn, child, node);
    instance.output = output;
    child.stdout!.off('data', collect).on('data', (c: Buffer) => instance.collect(c));
    child.stderr!.off('data', collect).on('data', (c: Buffer) => instance.collect(c));
    return instance;
  }

  private collect(c: Buffer): void {
    this.output += c.toString();
  }

  /** Everything the instance wrote (its log lines). */
  get logs(): string {
    return this.output;
  }

  /** One invocation, bounded by the function's own timeout; a thrown handler error rejects. */
  invoke(event: unknown): Promise<unknown> {
    const id = this.next++;
    const limitMs = this.fn.timeoutSec * 1000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.fn.name}: no answer within its ${this.fn.timeoutSec} s timeout`));
      }, limitMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (r.error) reject(new Error(`${this.fn.name} threw ${r.error.name}: ${r.error.message}`));
        else resolve(r.result);
      });
      this.child.send({ id, event, deadlineMs: limitMs });
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** The environment Lambda gives a function: its template Environment plus the runtime's own variables. */
export function lambdaEnvironment(
  fn: ShippedFunction,
  templateEnv: Record<string, string>,
  endpoints: { dynamodb: string; aws: string },
): Record<string, string> {
  return {
    ...templateEnv,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.dir,
    TZ: ':UTC',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // The role's session credentials; the access key id names the caller for the stand-in's records.
    AWS_ACCESS_KEY_ID: fn.name,
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_SESSION_TOKEN: 'local-session',
    // The SDK's own endpoint settings: the bundles' clients keep their production configuration.
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.aws,
    AWS_ENDPOINT_URL_SQS: endpoints.aws,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.aws,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface GatewayRequest {
  headers?: Record<string, string>;
  body?: string;
}

/** The HTTP API as the template defines it: route keys to functions, `$default` for the rest. */
export function templateGateway(
  routes: ReadonlyMap<string, string>,
  instances: (fn: string) => FunctionInstance,
) {
  const defs = [...routes.keys()]
    .filter((k) => k !== '$default')
    .map((k) => {
      const [method, path] = k.split(' ') as [RouteDef['method'], string];
      return { method, path, fn: routes.get(k)! } as RouteDef;
    });
  const match = createRouter(defs);
  return async (method: string, url: string, req: GatewayRequest = {}): Promise<GatewayResponse> => {
    const path = url.split('?')[0]!;
    const m = match(method, path);
    const route =
      m.kind === 'match'
        ? { routeKey: `${m.route.method} ${m.route.path}`, pathParameters: m.pathParameters, fn: m.route.fn }
        : { routeKey: '$default', pathParameters: undefined, fn: routes.get('$default')! };
    const event: APIGatewayProxyEventV2 = toEvent(
      {
        method,
        url,
        headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com', ...req.headers },
        body: Buffer.from(req.body ?? ''),
        sourceIp: '203.0.113.7',
        host: 'abc123.execute-api.us-east-1.amazonaws.com',
        port: 443,
      },
      route,
    );
    event.headers['x-forwarded-proto'] = 'https';
    return fromResult(await instances(route.fn).invoke(event));
  };
}

/** The batch Lambda's SQS poller hands the consumer for these sent messages (first receive). */
export function sqsEvent(messages: SentMessage[], queueArn: string): SQSEvent {
  const now = String(Date.now());
  return {
    Records: messages.map((m) => ({
      messageId: m.messageId,
      receiptHandle: `AQEB${randomUUID().replace(/-/g, '')}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: now,
        SenderId: 'AROAEXAMPLE:events-process',
        ApproximateFirstReceiveTimestamp: now,
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: REGION,
    })),
  };
}

/** What an EventBridge schedule rule sends its target. */
export const scheduledEvent = (ruleName: string) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: REGION,
  resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${ruleName}`],
  detail: {},
});

/**
 * The local runtime: dynalite in-process, the table from the shared definition, a file-backed
 * secret store, and an HTTP server that speaks API Gateway payload v2.0 to the same handlers
 * Lambda runs.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import dynalite from 'dynalite';
import { loadConfig } from '../../shared/config/index.js';
import { HookbridgeError } from '../../shared/errors.js';
import { problemResponse, toResult } from '../../shared/http/lambda.js';
import { createRouter, routeKey } from '../../shared/http/route.js';
import { TABLE } from '../../shared/table.js';
import { buildContainer, type Container, type Overrides } from '../container/index.js';
import { DEFAULT_ROUTE_FN, HTTP_FUNCTIONS, ROUTES } from '../routes.js';
import { DEV_SECRETS } from './dev-secrets.js';
import { fromResult, PAYLOAD_LIMIT_BYTES, type RawRequest, toEvent } from './gateway.js';
import { localIam, runAs } from './iam.js';
import { type LocalPipeline, type PipelineFunctions, startLocalPipeline } from './pipeline.js';
import { createTableInput } from './table.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LOCAL_TABLE = 'hookbridge-local';

type Handler = (event: APIGatewayProxyEventV2, context?: unknown) => Promise<unknown>;
type FunctionModule = {
  handler: { withContainer(c: Container): (event: never, context?: never) => Promise<unknown> };
};

export interface LocalOptions {
  port?: number;
  dataDir?: string | undefined;
  secretsFile?: string | undefined;
  apiKey?: string | undefined;
  /** Extra environment for the handlers (e.g. a test-only SSRF allow list). */
  env?: Record<string, string>;
  /** Replaces parts of the container (clock, resolver, fetch, ...); see infra/container/core.ts. */
  overrides?: Overrides;
}

export interface LocalRuntime {
  url: string;
  port: number;
  dynamoEndpoint: string;
  dataDir: string | undefined;
  secretsFile: string;
  apiKey: string;
  apiKeySource: 'env' | 'secrets-file' | 'generated';
  table: string;
  handlers: Map<string, Handler>;
  /** The container every function runs on (one process, one container, as in `npm start`). */
  readonly container: Container;
  /**
   * Rebuilds the container with these overrides merged in (tests: a fetch stub, an instant sleep,
   * ...) and, with `env`, these settings changed, as a redeploy with new variables would.
   */
  configure(overrides: Overrides, env?: Record<string, string>): void;
  /** The emulated stream -> events-process and delivery queue -> deliveries-send (infra/local/stream.ts). */
  pipeline: LocalPipeline;
  /** Stops dynalite only (to exercise store failures); the HTTP server keeps answering. */
  stopStore(): Promise<void>;
  close(): Promise<void>;
}

async function loadFunction(fn: string): Promise<FunctionModule> {
  return (await import(pathToFileURL(join(REPO_ROOT, 'functions', fn, 'index.ts')).href)) as FunctionModule;
}

async function readSecretsFile(path: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`Secrets file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Adds any missing dev secret to the file (0600); never overwrites, never logs values. */
export async function ensureDevSecrets(
  path: string,
): Promise<{ all: Record<string, unknown>; created: string[] }> {
  const all = await readSecretsFile(path);
  const created: string[] = [];
  for (const [name, make] of Object.entries(DEV_SECRETS)) {
    if (Object.hasOwn(all, name)) continue;
    all[name] = make();
    created.push(name);
  }
  if (created.length) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    await chmod(path, 0o600);
  }
  return { all, created };
}

async function ensureTable(endpoint: string, table: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: table }));
      return;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    }
    await client.send(new CreateTableCommand(createTableInput(table)));
    for (let i = 0; i < 50; i++) {
      const d = await client.send(new DescribeTableCommand({ TableName: table }));
      if (d.Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: table,
          TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
        }),
      );
    } catch {
      // dynalite does not implement TTL; reads treat an expired `ttl` as absent, so behaviour matches.
    }
  } finally {
    client.destroy();
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolveBody('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () =>
      resolveBody(over ? 'too_large' : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

export async function startLocal(opts: LocalOptions = {}): Promise<LocalRuntime> {
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : undefined;
  const secretsFile = resolve(
    opts.secretsFile ?? process.env.HOOKBRIDGE_SECRETS_FILE ?? '.hookbridge/secrets.json',
  );

  // 1. Embedded DynamoDB on loopback, in memory unless a data dir is given.
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const ddbServer = dynalite({
    path: dataDir,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  }) as Server;
  await new Promise<void>((r) => ddbServer.listen(0, '127.0.0.1', () => r()));
  const dynamoEndpoint = `http://127.0.0.1:${(ddbServer.address() as AddressInfo).port}`;
  let storeUp = true;
  const stopStore = async () => {
    if (!storeUp) return;
    storeUp = false;
    ddbServer.closeAllConnections?.();
    await new Promise<void>((r) => ddbServer.close(() => r()));
  };

  try {
    await ensureTable(dynamoEndpoint, LOCAL_TABLE);

    // 2. Secrets: the file-backed store, with dev secrets generated on first run.
    const { all, created } = await ensureDevSecrets(secretsFile);
    const envKey = opts.apiKey ?? process.env.HOOKBRIDGE_API_KEY;
    const fileKey = (all['hookbridge/admin'] as { apiKey?: string } | undefined)?.apiKey;
    const apiKey = envKey || fileKey || '';
    const apiKeySource = envKey ? 'env' : created.includes('hookbridge/admin') ? 'generated' : 'secrets-file';

    // 3. The handlers' environment, as the CDK stack sets it in Lambda.
    Object.assign(process.env, {
      HOOKBRIDGE_TABLE: LOCAL_TABLE,
      HOOKBRIDGE_DYNAMODB_ENDPOINT: dynamoEndpoint,
      HOOKBRIDGE_SECRETS_BACKEND: 'file',
      HOOKBRIDGE_SECRETS_FILE: secretsFile,
      HOOKBRIDGE_LOCAL: 'true',
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...opts.env,
    });
    if (envKey) process.env.HOOKBRIDGE_API_KEY = envKey;
    else delete process.env.HOOKBRIDGE_API_KEY;
    let config = loadConfig(process.env);

    // 4. Load every function the route table names, once, as Lambda would at cold start, and bind
    // them all to one container over the emulated stream, queue and bus. Each function may touch
    // only what its Lambda role grants (infra/functions.ts): the container's call guard checks.
    const modules = new Map<string, FunctionModule>();
    for (const fn of [...HTTP_FUNCTIONS, 'events-process', 'deliveries-send'])
      modules.set(fn, await loadFunction(fn));
    const handlers = new Map<string, Handler>();
    let container: Container | undefined;
    const built: Container[] = [];
    const fnOf = (name: string) => modules.get(name)!.handler.withContainer(container!) as never;
    let bound: PipelineFunctions | undefined;
    const pipeline = startLocalPipeline(ddbServer, dynamoEndpoint, () => bound!, opts.overrides?.clock);
    let overrides: Overrides = {
      guard: localIam({ recordFile: process.env.HOOKBRIDGE_LOCAL_IAM_RECORD }),
      queue: pipeline.queue,
      bus: pipeline.bus,
      ...opts.overrides,
      clock: pipeline.clock,
    };
    const configure = (more: Overrides, env?: Record<string, string>) => {
      if (env) {
        Object.assign(process.env, env);
        config = loadConfig(process.env);
      }
      overrides = { ...overrides, ...more, clock: pipeline.clock };
      container = buildContainer(config, overrides);
      built.push(container);
      for (const fn of HTTP_FUNCTIONS) handlers.set(fn, fnOf(fn));
      const processFn = fnOf('events-process') as PipelineFunctions['process'];
      const send = fnOf('deliveries-send') as PipelineFunctions['send'];
      bound = {
        process: (e) => runAs('events-process', () => processFn(e)),
        send: (e) => runAs('deliveries-send', () => send(e)),
        log: container.log,
      };
    };
    configure({});

    const match = createRouter(ROUTES);

    const server = createServer({ keepAlive: true }, (req, res) => {
      void serve(req, res).catch((err) => {
        if (!res.headersSent) writeProblem(res, new HookbridgeError('internal', String(err)));
        else res.destroy();
      });
    });

    const writeProblem = (res: ServerResponse, err: HookbridgeError) => {
      const r = fromResult(toResult(problemResponse(err)));
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    };

    async function serve(req: IncomingMessage, res: ServerResponse) {
      const body = await readBody(req, PAYLOAD_LIMIT_BYTES);
      if (body === 'too_large') {
        res.setHeader('connection', 'close');
        writeProblem(
          res,
          new HookbridgeError('payload_too_large', 'The request body exceeds the 10 MB limit'),
        );
        return;
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const m = match(req.method ?? 'GET', q < 0 ? url : url.slice(0, q));
      const route =
        m.kind === 'match'
          ? { routeKey: routeKey(m.route), pathParameters: m.pathParameters, fn: m.route.fn }
          : { routeKey: '$default', pathParameters: undefined, fn: DEFAULT_ROUTE_FN };
      const raw: RawRequest = {
        method: req.method ?? 'GET',
        url,
        // Distinct values, so repeated headers are joined with ',' as API Gateway does (node joins with ', ').
        headers: req.headersDistinct as RawRequest['headers'],
        body,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        host: req.headers.host ?? `127.0.0.1:${port}`,
        port,
      };
      const result = await runAs(route.fn, () => handlers.get(route.fn)!(toEvent(raw, route), {}));
      const out = fromResult(result);
      res.writeHead(out.status, out.headers);
      res.end(out.body);
    }

    await new Promise<void>((r, j) => {
      server.once('error', j);
      server.listen(opts.port ?? Number(process.env.PORT ?? 3000), '127.0.0.1', () => r());
    });
    const port = (server.address() as AddressInfo).port;

    return {
      url: `http://127.0.0.1:${port}`,
      port,
      dynamoEndpoint,
      dataDir,
      secretsFile,
      apiKey,
      apiKeySource,
      table: LOCAL_TABLE,
      handlers,
      get container() {
        return container!;
      },
      configure,
      stopStore,
      pipeline,
      async close() {
        await pipeline.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        for (const c of built) c.close();
        await stopStore();
      },
    };
  } catch (err) {
    await stopStore();
    throw err;
  }
}

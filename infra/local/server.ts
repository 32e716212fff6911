/**
 * The local runtime: dynalite in-process (./store.ts), the table from the shared definition, a
 * file-backed secret store, every function bound to one container (./functions.ts), the emulated
 * stream, queue and bus (./pipeline.ts), and an HTTP server that speaks API Gateway payload v2.0
 * to the same handlers Lambda runs (./http.ts).
 */
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_OAUTH_CLIENT_SECRET_NAME } from '../../shared/secret-names.js';
import type { Container, Overrides } from '../container/index.js';
import { type Activity, activityOfItem, activityOfLog } from './activity.js';
import { DEV_OAUTH_PATH, type DevOAuth, type DevOAuthOptions, startDevOAuth } from './dev-oauth.js';
import { LocalFunctions } from './functions.js';
import { createGateway, type Handler, type Mount } from './http.js';
import { localIam } from './iam.js';
import {
  LOCAL_PAYPAL_CERT_PATH,
  LOCAL_PAYPAL_SECRET_NAME,
  type LocalPayPalStandIn,
  localPayPalStandIn,
} from './paypal-standin.js';
import { type LocalPipeline, startLocalPipeline } from './pipeline.js';
import { localEnvironment } from './runtime-file.js';
import { type LocalSchedule, startLocalSchedule } from './schedule.js';
import { ensureDevSecrets } from './secrets-file.js';
import { startStore } from './store.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LOCAL_TABLE = 'hookbridge-local';

export interface LocalOptions {
  port?: number;
  dataDir?: string | undefined;
  secretsFile?: string | undefined;
  apiKey?: string | undefined;
  /** Extra environment for the handlers (e.g. a test-only SSRF allow list). */
  env?: Record<string, string>;
  /** Replaces parts of the container (clock, resolver, fetch, ...); see infra/container/core.ts. */
  overrides?: Overrides;
  /**
   * Called once per stored, rejected, delivered, retried and dead-lettered event (npm start prints
   * them); the functions' log lines these stand for are then not echoed.
   */
  onActivity?: (a: Activity) => void;
  /** How long the gateway waits for a function (default API Gateway's 30 s; tests lower it). */
  gatewayTimeoutMs?: number;
  /** Tests: loads oidc-provider for the dev OpenID provider (a failing one, as a missing devDependency would). */
  loadDevOAuth?: DevOAuthOptions['load'];
  /** How often each scheduled function runs (default its schedule in infra/functions.ts, e.g. 5 minutes). */
  scheduleEveryMs?: number;
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
  /** The scheduled functions (the reconciler) on their interval; `run(fn)` invokes one now. */
  schedule: LocalSchedule;
  /** The dev OpenID provider at /dev-oauth (`provider: "dev"`), or why it is not running. */
  devOAuth: DevOAuth;
  /** Stops dynalite only (to exercise store failures); the HTTP server keeps answering. */
  stopStore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The admin key: HOOKBRIDGE_API_KEY (or opts.apiKey), else the secrets file's `hookbridge/admin`,
 * generated on first run; and the PayPal stand-in the dev secrets hold.
 */
async function devSecrets(secretsFile: string, explicit: string | undefined) {
  const { all, created } = await ensureDevSecrets(secretsFile);
  const fileKey = (all['hookbridge/admin'] as { apiKey?: string } | undefined)?.apiKey;
  return {
    paypal: localPayPalStandIn(all[LOCAL_PAYPAL_SECRET_NAME]),
    devClient: all[DEV_OAUTH_CLIENT_SECRET_NAME],
    envKey: explicit || undefined,
    apiKey: explicit || fileKey || '',
    apiKeySource: explicit ? 'env' : created.includes('hookbridge/admin') ? 'generated' : 'secrets-file',
  } as const;
}

/** The local PayPal stand-in's chain, for the cert URL send-webhook signs with. */
const localFiles = (paypal: LocalPayPalStandIn | undefined) =>
  new Map(
    paypal
      ? [[LOCAL_PAYPAL_CERT_PATH, { type: 'application/x-pem-file', body: paypal.leafPem + paypal.rootPem }]]
      : [],
  );

const notify = (to: (a: Activity) => void, a: Activity | undefined) => {
  if (a) to(a);
};

/** Log lines to stdout, except those an activity line stands for, which go to `to` instead. */
const activityLogWriter = (to: (a: Activity) => void) => (line: string) => {
  const a = activityOfLog(line);
  if (a === undefined) process.stdout.write(`${line}\n`);
  else if (a !== 'covered') to(a);
};

export async function startLocal(opts: LocalOptions = {}): Promise<LocalRuntime> {
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : undefined;
  const secretsFile = resolve(
    opts.secretsFile ?? process.env.HOOKBRIDGE_SECRETS_FILE ?? '.hookbridge/secrets.json',
  );
  const store = await startStore(dataDir, LOCAL_TABLE);
  try {
    const { paypal, devClient, envKey, apiKey, apiKeySource } = await devSecrets(
      secretsFile,
      opts.apiKey ?? process.env.HOOKBRIDGE_API_KEY,
    );
    // The functions' settings, as the CDK stack sets them in Lambda (plus the local PayPal root).
    const env = {
      ...process.env,
      ...localEnvironment({ table: LOCAL_TABLE, dynamoEndpoint: store.endpoint, secretsFile }),
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      HOOKBRIDGE_LOCAL_PAYPAL_ROOT_PEM: paypal?.rootPem,
      ...opts.env,
      HOOKBRIDGE_API_KEY: envKey,
    };
    let fns: LocalFunctions | undefined;
    const { onActivity } = opts;
    const pipeline = startLocalPipeline(
      store.server,
      store.endpoint,
      () => fns!,
      opts.overrides?.clock,
      onActivity && ((item) => notify(onActivity, activityOfItem(item))),
      dataDir && store.recovered
        ? { dir: dataDir, table: LOCAL_TABLE, recovered: store.recovered }
        : undefined,
    );
    fns = await LocalFunctions.load(REPO_ROOT, env, {
      // Each function may touch only what its Lambda role grants (infra/functions.ts).
      guard: localIam({ recordFile: process.env.HOOKBRIDGE_LOCAL_IAM_RECORD }),
      queue: pipeline.queue,
      queueStats: pipeline.queueStats,
      bus: pipeline.bus,
      ...(onActivity && { logWrite: activityLogWriter(onActivity) }),
      ...opts.overrides,
      clock: pipeline.clock,
    });
    pipeline.resume();
    const mounts = new Map<string, Mount>();
    const server = createGateway(fns.http, localFiles(paypal), opts.gatewayTimeoutMs, mounts);
    await new Promise<void>((r, j) => {
      server.once('error', j);
      server.listen(opts.port ?? Number(process.env.PORT ?? 3000), '127.0.0.1', () => r());
    });
    const port = (server.address() as AddressInfo).port;
    const devOAuth = await startDevOAuth({
      port,
      publicUrl: fns.container.config.HOOKBRIDGE_PUBLIC_URL,
      client: devClient,
      load: opts.loadDevOAuth,
    });
    if ('issuer' in devOAuth) {
      mounts.set(DEV_OAUTH_PATH, devOAuth.handler);
      fns.configure({}, { HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER: devOAuth.issuer });
    }
    const functions = fns;
    const schedule = startLocalSchedule(
      (fn, timeoutMs) => functions.scheduled(fn, timeoutMs),
      (fn, err) => functions.log.error('scheduled function failed', { fn, error: (err as Error).message }),
      opts.scheduleEveryMs,
    );
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      dynamoEndpoint: store.endpoint,
      dataDir,
      secretsFile,
      apiKey,
      apiKeySource,
      table: LOCAL_TABLE,
      devOAuth,
      handlers: functions.http,
      get container() {
        return functions.container;
      },
      configure: (more, settings) => functions.configure({ ...more, clock: pipeline.clock }, settings),
      stopStore: store.stop,
      pipeline,
      schedule,
      async close() {
        await schedule.close();
        await pipeline.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        functions.close();
        await store.stop();
      },
    };
  } catch (err) {
    await store.stop();
    throw err;
  }
}

/**
 * What ships: the dev stack synthesized in-process into a temp cdk.out (offline: esbuild bundles
 * locally, no lookups, cdk.json's context), and what its template says about each function (asset
 * folder, Handler, Environment, timeout), the HTTP API's routes, the stream's filter and batch
 * size, the SQS mapping and the schedules. The temp folder has no node_modules above it, so a bundle
 * that needs anything outside itself fails to load.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { REPO_ROOT } from '../../../infra/local/server.js';
import { HookbridgeStack } from '../../../infra/stacks/hookbridge-stack.js';

export const STACK = 'Hookbridge-dev';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation is untyped JSON; the tests assert what they use
type Json = any;

export interface ShippedFunction {
  /** The folder name under functions/ (the deployed name without the stack prefix). */
  name: string;
  logicalId: string;
  functionName: string;
  /** The asset folder in cdk.out (Lambda's /var/task). */
  dir: string;
  handler: string;
  runtime: string;
  timeoutSec: number;
  memoryMb: number;
  /** Environment.Variables as synthesized (values may be intrinsics such as {Ref}). */
  environment: Record<string, Json>;
}

export interface Shipped {
  outdir: string;
  resources: Record<string, { Type: string; Properties: Json; Metadata?: Json }>;
  functions: Map<string, ShippedFunction>;
  /** `GET /events/{id}` (or `$default`) -> function name. */
  routes: Map<string, string>;
  stream: { function: string; batchSize: number; patterns: Json[] };
  queue: { function: string; batchSize: number; queueLogicalId: string };
  /** Rule logical id -> function name. */
  schedules: Map<string, string>;
  remove(): void;
}

const fnByArn = (shipped: Pick<Shipped, 'functions'>, ref: Json): string => {
  const logicalId = ref?.['Fn::GetAtt']?.[0] ?? ref?.Ref;
  const fn = [...shipped.functions.values()].find((f) => f.logicalId === logicalId);
  if (!fn) throw new Error(`No function for ${JSON.stringify(ref)}`);
  return fn.name;
};

function readFunctions(outdir: string, resources: Shipped['resources']): Map<string, ShippedFunction> {
  const out = new Map<string, ShippedFunction>();
  for (const [logicalId, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Function' || !r.Metadata?.['aws:asset:path']) continue;
    const p = r.Properties;
    const name = String(p.FunctionName).replace(`${STACK}-`, '');
    out.set(name, {
      name,
      logicalId,
      functionName: p.FunctionName,
      dir: join(outdir, r.Metadata['aws:asset:path']),
      handler: p.Handler,
      runtime: p.Runtime,
      timeoutSec: p.Timeout,
      memoryMb: p.MemorySize,
      environment: p.Environment?.Variables ?? {},
    });
  }
  return out;
}

function readWiring(resources: Shipped['resources'], shipped: Pick<Shipped, 'functions'>) {
  const routes = new Map<string, string>();
  const schedules = new Map<string, string>();
  let stream: Shipped['stream'] | undefined;
  let queue: Shipped['queue'] | undefined;
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties;
    if (r.Type === 'AWS::ApiGatewayV2::Route') {
      const integration = p.Target['Fn::Join'][1][1].Ref as string;
      routes.set(p.RouteKey, fnByArn(shipped, resources[integration]!.Properties.IntegrationUri));
    } else if (r.Type === 'AWS::Events::Rule' && p.ScheduleExpression) {
      schedules.set(id, fnByArn(shipped, p.Targets[0].Arn));
    } else if (r.Type === 'AWS::Lambda::EventSourceMapping') {
      const source = p.EventSourceArn['Fn::GetAtt'];
      const function_ = fnByArn(shipped, p.FunctionName);
      if (source[1] === 'StreamArn') {
        const patterns = (p.FilterCriteria?.Filters ?? []).map((f: Json) => JSON.parse(f.Pattern));
        stream = { function: function_, batchSize: p.BatchSize, patterns };
      } else queue = { function: function_, batchSize: p.BatchSize, queueLogicalId: source[0] };
    }
  }
  if (!stream || !queue) throw new Error('The template has no stream or no queue event source mapping');
  return { routes, schedules, stream, queue };
}

/** Synthesizes the dev stack with cdk.json's context, as `npm run synth` does. */
export function synthShipped(): Shipped {
  const outdir = mkdtempSync(join(tmpdir(), 'hb-bundle-'));
  const { context } = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8'));
  // As the CDK CLI runs the app: the asset metadata names each function's asset folder.
  const app = new App({ outdir, context: { ...context, 'aws:cdk:enable-asset-metadata': true } });
  new HookbridgeStack(app, STACK, { stage: 'dev', root: REPO_ROOT });
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, `${STACK}.template.json`), 'utf8'));
  const resources = template.Resources as Shipped['resources'];
  const functions = readFunctions(outdir, resources);
  return {
    outdir,
    resources,
    functions,
    ...readWiring(resources, { functions }),
    remove: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/**
 * A function's Environment with each intrinsic resolved by `ref(logicalId)` (a Join of strings and
 * Refs too); anything else (a GetAtt) fails, naming the variable, so a new kind of value is noticed
 * here first.
 */
export function resolveEnvironment(
  env: Record<string, Json>,
  ref: (logicalId: string) => string,
): Record<string, string> {
  const resolve = (k: string, v: Json): string => {
    if (typeof v === 'string') return v;
    if (v && typeof v.Ref === 'string' && Object.keys(v).length === 1) return ref(v.Ref);
    const join = v?.['Fn::Join'] as [string, Json[]] | undefined;
    if (Array.isArray(join) && Object.keys(v).length === 1)
      return join[1].map((part) => resolve(k, part)).join(join[0]);
    throw new Error(`${k}: cannot resolve ${JSON.stringify(v)}`);
  };
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolve(k, v)]));
}

/**
 * The local runtime's functions: every Lambda entry loaded once, as at cold start, and bound to one
 * container over the emulated stream, queue and bus. configure() rebuilds the container (tests
 * swap a resolver, a fetch stub, an instant sleep; or change settings as a redeploy would).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Config, loadConfig } from '../../shared/config/index.js';
import { buildContainer, type Container, type Overrides } from '../container/index.js';
import { HTTP_FUNCTIONS } from '../routes.js';
import type { Handler } from './http.js';
import { runAs } from './iam.js';
import type { PipelineFunctions } from './pipeline.js';

type FunctionModule = {
  handler: { withContainer(c: Container): (event: never, context?: never) => Promise<unknown> };
};

const STREAM_AND_QUEUE = ['events-process', 'deliveries-send'];
/** Scheduled functions the local runtime runs on their interval (./schedule.ts). */
export const LOCAL_SCHEDULED = ['reconciler'];

export class LocalFunctions implements PipelineFunctions {
  /** HTTP functions by name, bound to the current container. */
  readonly http = new Map<string, Handler>();
  private readonly built: Container[] = [];
  private current: Container | undefined;
  private bound: Record<string, (event: never) => Promise<unknown>> = {};

  private constructor(
    private readonly modules: ReadonlyMap<string, FunctionModule>,
    private env: Record<string, string | undefined>,
    private config: Config,
    private overrides: Overrides,
  ) {}

  static async load(root: string, env: Record<string, string | undefined>, overrides: Overrides) {
    const modules = new Map<string, FunctionModule>();
    for (const fn of [...HTTP_FUNCTIONS, ...STREAM_AND_QUEUE, ...LOCAL_SCHEDULED]) {
      const url = pathToFileURL(join(root, 'functions', fn, 'index.ts')).href;
      modules.set(fn, (await import(url)) as FunctionModule);
    }
    const fns = new LocalFunctions(modules, env, loadConfig(env), overrides);
    fns.configure({});
    return fns;
  }

  get container(): Container {
    return this.current!;
  }

  get log() {
    return this.container.log;
  }

  configure(more: Overrides, env?: Record<string, string>): void {
    if (env) {
      this.env = { ...this.env, ...env };
      this.config = loadConfig(this.env);
    }
    this.overrides = { ...this.overrides, ...more };
    const c = buildContainer(this.config, this.overrides);
    this.current = c;
    this.built.push(c);
    for (const [fn, mod] of this.modules) this.bound[fn] = mod.handler.withContainer(c) as never;
    for (const fn of HTTP_FUNCTIONS) this.http.set(fn, this.bound[fn] as unknown as Handler);
  }

  process: PipelineFunctions['process'] = (e) =>
    runAs('events-process', () => this.bound['events-process']!(e as never)) as ReturnType<
      PipelineFunctions['process']
    >;

  send: PipelineFunctions['send'] = (e) =>
    runAs('deliveries-send', () => this.bound['deliveries-send']!(e as never)) as ReturnType<
      PipelineFunctions['send']
    >;

  /** One scheduled invocation of `fn`, with Lambda's remaining-time view of its timeout. */
  scheduled(fn: string, timeoutMs: number): Promise<unknown> {
    const started = Date.now();
    const context = { getRemainingTimeInMillis: () => timeoutMs - (Date.now() - started) };
    const handler = this.bound[fn] as unknown as (e: unknown, c: unknown) => Promise<unknown>;
    return runAs(fn, () => handler({}, context));
  }

  close(): void {
    for (const c of this.built) c.close();
  }
}

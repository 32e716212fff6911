import type { Construct } from 'constructs';

/** Every `-c` setting the stack reads, checked in one pass so a bad value fails before any bundling. */
export interface StackContext {
  /** Providers that get a secret placeholder and a webhook URL output (default: stripe). */
  webhookProviders: string[];
  /** OAuth integrations that get a client-credentials placeholder. */
  oauthIntegrations: string[];
  /** An https URL without a trailing slash, when a custom domain fronts the API. */
  publicUrl: string | undefined;
  eventRetentionDays: number;
  tracing: boolean;
  /** `-c sourceMaps=true`: bundles carry source maps and run with `--enable-source-maps` (10-20 ms more per cold start). */
  sourceMaps: boolean;
  /** `-c reservedConcurrency:<function>`, by function name. */
  reservedConcurrency: ReadonlyMap<string, number | undefined>;
  throttle: { rate: number; burst: number };
  /** `-c webhooksFunctionUrl=true`: a Lambda Function URL in front of `webhooks-receive`, the URL providers post to. */
  webhooksFunctionUrl: boolean;
  /**
   * `-c eventBus=false`: no EventBridge bus; nothing is published (nor bus markers written), the
   * functions that would publish run with HOOKBRIDGE_EVENT_BUS=off. Default true.
   */
  eventBus: boolean;
  /** `-c deliveryConcurrency`: concurrent `deliveries-send` batches (SQS maximum concurrency, 2-1000). */
  deliveryConcurrency: number;
  alarmEmail: string | undefined;
  alarmTopicArn: string | undefined;
}

export interface StackContextOptions {
  /** The webhook provider slugs `-c webhookProviders` may name. */
  knownProviders: readonly string[];
  /** The functions `-c reservedConcurrency:<function>` may name. */
  functionNames: readonly string[];
}

export function readStackContext(scope: Construct, opts: StackContextOptions): StackContext {
  const webhookProviders = listContext(scope, 'webhookProviders', ['stripe']);
  for (const provider of webhookProviders) {
    if (!opts.knownProviders.includes(provider)) {
      throw new Error(
        `-c webhookProviders: unknown provider "${provider}" (known: ${opts.knownProviders.join(', ')})`,
      );
    }
  }
  const publicUrl = publicUrlOf(scope);
  const eventRetentionDays = numberContext(scope, 'eventRetentionDays') ?? 30;
  if (eventRetentionDays < 7 || eventRetentionDays > 3650) {
    throw new Error(
      `-c eventRetentionDays must be 7-3650 (providers retry for days), not ${eventRetentionDays}`,
    );
  }
  const reservedConcurrency = new Map(
    opts.functionNames.map((name) => [name, numberContext(scope, `reservedConcurrency:${name}`)]),
  );
  // Webhook providers send in bursts: the burst allowance is at least the steady rate.
  const rate = numberContext(scope, 'throttleRate') ?? 1000;
  const burst = numberContext(scope, 'throttleBurst') ?? 2 * rate;
  const deliveryConcurrency = numberContext(scope, 'deliveryConcurrency') ?? 10;
  if (deliveryConcurrency < 2 || deliveryConcurrency > 1000) {
    throw new Error(
      `-c deliveryConcurrency must be 2-1000 (SQS maximum concurrency), not ${deliveryConcurrency}`,
    );
  }
  return {
    webhookProviders,
    oauthIntegrations: listContext(scope, 'oauthIntegrations', []),
    publicUrl,
    eventRetentionDays,
    tracing: booleanContext(scope, 'tracing', false),
    sourceMaps: booleanContext(scope, 'sourceMaps', false),
    reservedConcurrency,
    throttle: { rate, burst },
    deliveryConcurrency,
    webhooksFunctionUrl: booleanContext(scope, 'webhooksFunctionUrl', false),
    eventBus: booleanContext(scope, 'eventBus', true),
    alarmEmail: scope.node.tryGetContext('alarmEmail'),
    alarmTopicArn: scope.node.tryGetContext('alarmTopicArn'),
  };
}

/** `-c publicUrl`: an https URL without query or fragment; the trailing slash is dropped. */
function publicUrlOf(scope: Construct): string | undefined {
  const v = scope.node.tryGetContext('publicUrl') as string | undefined;
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`-c publicUrl must be a URL, not "${v}"`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash) {
    throw new Error(`-c publicUrl must be an https URL without query or fragment, not "${v}"`);
  }
  return v.replace(/\/+$/, '');
}

/** A numeric context value (CLI context arrives as a string). */
function numberContext(scope: Construct, name: string): number | undefined {
  const v = scope.node.tryGetContext(name) as string | number | undefined;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`-c ${name} must be a whole number, not "${v}"`);
  return n;
}

/** A `-c name=true|false` context value (CLI context arrives as a string); anything else is refused. */
function booleanContext(scope: Construct, name: string, fallback: boolean): boolean {
  const v = scope.node.tryGetContext(name) as string | boolean | undefined;
  if (v === undefined) return fallback;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new Error(`-c ${name} must be true or false, not "${v}"`);
}

/** A comma-separated `-c name=a,b` context value as a list. */
function listContext(scope: Construct, name: string, fallback: string[]): string[] {
  const v = scope.node.tryGetContext(name) as string | string[] | undefined;
  if (v === undefined) return fallback;
  return (Array.isArray(v) ? v : String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}

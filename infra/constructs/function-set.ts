import { join } from 'node:path';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { FUNCTION_SETTINGS, secretGrantsFor, tableActionsFor } from '../functions.js';
import { HTTP_FUNCTIONS } from '../routes.js';
import { HookbridgeFunction } from './function.js';

export interface FunctionSetProps {
  /** Root of the repository (where `functions/` lives). */
  root: string;
  table: ITableV2;
  eventRetentionDays: number;
  publicUrl: string | undefined;
  reservedConcurrency: ReadonlyMap<string, number | undefined>;
  tracing: boolean;
  sourceMaps: boolean;
  removalPolicy: RemovalPolicy;
}

/**
 * One function per entry of FUNCTION_SETTINGS (ids `Fn-<name>` in the caller's scope), each granted
 * exactly its table actions and secrets.
 */
export function addFunctions(scope: Construct, props: FunctionSetProps): Map<string, HookbridgeFunction> {
  for (const name of HTTP_FUNCTIONS) {
    if (!FUNCTION_SETTINGS[name])
      throw new Error(`infra/functions.ts has no settings for function "${name}"`);
  }
  const functions = new Map<string, HookbridgeFunction>();
  for (const [name, s] of Object.entries(FUNCTION_SETTINGS)) {
    const f = new HookbridgeFunction(scope, `Fn-${name}`, {
      name,
      entry: join(props.root, 'functions', name, 'index.ts'),
      description: s.description,
      memoryMb: s.memoryMb,
      timeoutSec: s.timeoutSec,
      environment: {
        HOOKBRIDGE_EVENT_RETENTION_DAYS: String(props.eventRetentionDays),
        ...(props.publicUrl ? { HOOKBRIDGE_PUBLIC_URL: props.publicUrl } : {}),
      },
      reservedConcurrency: props.reservedConcurrency.get(name),
      tracing: props.tracing,
      sourceMaps: props.sourceMaps,
      removalPolicy: props.removalPolicy,
    });
    f.bindTable(props.table, tableActionsFor(name));
    f.bindSecrets(secretGrantsFor(name));
    functions.set(name, f);
  }
  return functions;
}

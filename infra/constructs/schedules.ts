import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { FUNCTION_SETTINGS } from '../functions.js';
import type { HookbridgeFunction } from './function.js';

/** An EventBridge rule (`Schedule-<name>` in the caller's scope) for every function with `scheduleMinutes`. */
export function addSchedules(scope: Construct, functions: ReadonlyMap<string, HookbridgeFunction>): void {
  for (const [name, s] of Object.entries(FUNCTION_SETTINGS)) {
    if (!s.scheduleMinutes) continue;
    new events.Rule(scope, `Schedule-${name}`, {
      description: `Runs ${name} every ${s.scheduleMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(s.scheduleMinutes)),
      targets: [new targets.LambdaFunction(functions.get(name)!.fn, { retryAttempts: 0 })],
    });
  }
}

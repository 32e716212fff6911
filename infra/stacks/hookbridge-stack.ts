import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
// The webhook provider slugs (URLs, secret placeholders) come from the provider manifest.
import { WEBHOOK_PROVIDERS as WEBHOOK_PROVIDER_SLUGS } from '../../shared/webhooks/manifest.js';
import { addAlarms } from '../constructs/alarms.js';
import type { HookbridgeFunction } from '../constructs/function.js';
import { addFunctions } from '../constructs/function-set.js';
import { addHttpApi } from '../constructs/http-api.js';
import type { Observability } from '../constructs/observability.js';
import { addOutputs } from '../constructs/outputs.js';
import { addPipeline } from '../constructs/pipeline.js';
import { addSchedules } from '../constructs/schedules.js';
import { addGeneratedSecrets, addPlaceholderSecrets } from '../constructs/secrets.js';
import { addTable } from '../constructs/table.js';
import { FUNCTION_SETTINGS } from '../functions.js';
import { acknowledgeNagFindings } from '../nag.js';
import { readStackContext } from './context.js';

export type Stage = 'dev' | 'prod';

export interface HookbridgeStackProps extends StackProps {
  stage: Stage;
  /** Root of the repository (where `functions/` lives). */
  root: string;
}

/**
 * The whole service in one stack. Every part is built with the stack as its scope (not as a child
 * construct), so each resource keeps the logical ID it has always had.
 */
export class HookbridgeStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly api: apigw.HttpApi;
  readonly functions: Map<string, HookbridgeFunction>;
  readonly observability: Observability;
  readonly deadLetterQueues: sqs.Queue[];
  /** None with `-c eventBus=false`. */
  readonly bus: events.EventBus | undefined;

  constructor(scope: Construct, id: string, props: HookbridgeStackProps) {
    super(scope, id, props);
    const ctx = readStackContext(this, {
      knownProviders: WEBHOOK_PROVIDER_SLUGS,
      functionNames: Object.keys(FUNCTION_SETTINGS),
    });
    const prod = props.stage === 'prod';
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.table = addTable(this, { prod });
    addGeneratedSecrets(this, removalPolicy);
    this.functions = addFunctions(this, { root: props.root, table: this.table, removalPolicy, ...ctx });
    const pipeline = addPipeline(this, {
      table: this.table,
      functions: this.functions,
      deliveryConcurrency: ctx.deliveryConcurrency,
      eventBus: ctx.eventBus,
    });
    this.bus = pipeline.bus;
    this.deadLetterQueues = pipeline.deadLetterQueues;
    addSchedules(this, this.functions);
    this.api = addHttpApi(this, { functions: this.functions, throttle: ctx.throttle, removalPolicy });
    this.observability = addAlarms(this, {
      api: this.api,
      functions: this.functions,
      deadLetterQueues: pipeline.deadLetterQueues,
      deliveryQueue: pipeline.deliveryQueue,
      tableName: this.table.tableName,
      alarmEmail: ctx.alarmEmail,
      alarmTopicArn: ctx.alarmTopicArn,
    });
    addPlaceholderSecrets(this, { ...ctx, removalPolicy });
    // Webhooks straight to the function: no API Gateway request charge (about $1.00 per million),
    // but no stage throttle, no access log and a 6 MB body limit (docs/scale.md).
    const webhooksUrl = ctx.webhooksFunctionUrl
      ? this.functions
          .get('webhooks-receive')!
          .fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE }).url
      : undefined;
    addOutputs(this, { ...ctx, api: this.api, table: this.table, webhooksUrl });
    acknowledgeNagFindings(this, [
      ...new Set(Object.values(FUNCTION_SETTINGS).flatMap((f) => f.secrets.filter((n) => n.endsWith('/')))),
    ]);
  }
}

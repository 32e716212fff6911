import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEFAULT_ROUTE_FN, GATEWAY_ROUTES } from '../routes.js';
import type { HookbridgeFunction } from './function.js';

export interface HttpApiProps {
  functions: ReadonlyMap<string, HookbridgeFunction>;
  /** Stage-wide steady rate and burst, in requests per second. */
  throttle: { rate: number; burst: number };
  removalPolicy: RemovalPolicy;
}

/** API Gateway access log fields, written as one JSON object per request. */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  time: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

/**
 * The HTTP API: every route of the route table, plus `$default` for 404/405, with throttling and
 * access logs. Built in the caller's scope (ids `Api`, `ApiAccessLogs`), so logical IDs stay as they were.
 */
export function addHttpApi(scope: Construct, props: HttpApiProps): apigw.HttpApi {
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: props.removalPolicy,
  });
  const integrationFor = lambdaIntegrations(props.functions);
  const api = new apigw.HttpApi(scope, 'Api', {
    apiName: `${Stack.of(scope).stackName}-api`,
    description: 'Hookbridge HTTP API',
    defaultIntegration: integrationFor(DEFAULT_ROUTE_FN),
  });
  for (const r of GATEWAY_ROUTES) {
    api.addRoutes({
      path: r.path,
      methods: [apigw.HttpMethod[r.method]],
      integration: integrationFor(r.fn),
    });
  }
  const stage = api.defaultStage!.node.defaultChild as apigw.CfnStage;
  stage.defaultRouteSettings = {
    throttlingRateLimit: props.throttle.rate,
    throttlingBurstLimit: props.throttle.burst,
  };
  stage.accessLogSettings = {
    destinationArn: accessLogs.logGroupArn,
    format: JSON.stringify(ACCESS_LOG_FORMAT),
  };
  return api;
}

/** One integration per function, shared by all of its routes (one invoke permission per route). */
function lambdaIntegrations(
  functions: ReadonlyMap<string, HookbridgeFunction>,
): (fn: string) => HttpLambdaIntegration {
  const integrations = new Map<string, HttpLambdaIntegration>();
  return (fn) => {
    let i = integrations.get(fn);
    if (!i) {
      i = new HttpLambdaIntegration(`Int-${fn}`, functions.get(fn)!.fn, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      });
      integrations.set(fn, i);
    }
    return i;
  };
}

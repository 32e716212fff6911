import { dirname } from 'node:path';
import { ArnFormat, AssetHashType, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { TABLE } from '../../shared/table.js';
import { functionBuild } from '../bundling.js';
import type { TableAction } from '../functions.js';

export interface HookbridgeFunctionProps {
  /** Folder name under `functions/`. */
  name: string;
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSec: number;
  environment?: Record<string, string>;
  logRetention?: logs.RetentionDays;
  reservedConcurrency?: number | undefined;
  removalPolicy?: RemovalPolicy;
  /** Active X-Ray tracing (`-c tracing=true`). */
  tracing?: boolean;
  /** Source maps in the bundle and `--enable-source-maps` (`-c sourceMaps=true`). */
  sourceMaps?: boolean;
}

/**
 * The one function construct. Fixed defaults: Node.js 22 on arm64, an ESM bundle with split
 * chunks built by local esbuild at synth (no Docker; bundling.ts), the env-only credential
 * provider, source maps only when asked for, a log group with retention. The asset is hashed by
 * its output, so a change anywhere in shared/ deploys.
 */
export class HookbridgeFunction extends Construct {
  readonly fn: lambda.Function;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HookbridgeFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.logGroup = logGroup;
    // Our own role with an inline, log-group-scoped policy instead of the managed
    // AWSLambdaBasicExecutionRole (which allows writing to every log group).
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Hookbridge ${props.name} function`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.fn = new lambda.Function(this, 'Fn', {
      role,
      functionName: `${Stack.of(this).stackName}-${props.name}`,
      code: lambda.Code.fromAsset(dirname(props.entry), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never pulled: local bundling always succeeds (esbuild is a dev dependency).
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
          local: {
            tryBundle(outputDir) {
              buildSync(functionBuild(props.entry, outputDir, { sourceMaps: props.sourceMaps ?? false }));
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSec),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // X-Ray costs about as much as the rest of a webhook's ingest: on only when asked for.
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.PASS_THROUGH,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        ...(props.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        HOOKBRIDGE_SECRETS_BACKEND: 'secrets-manager',
        ...props.environment,
      },
    });
  }

  /** Grants exactly these table actions (on the table and its indexes) and sets HOOKBRIDGE_TABLE together. */
  bindTable(table: ITableV2, actions: readonly TableAction[]): void {
    // Every function's config names the table, even one that is granted nothing on it (meta).
    this.fn.addEnvironment('HOOKBRIDGE_TABLE', table.tableName);
    if (!actions.length) return;
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: actions.map((a) => `dynamodb:${a}`),
        resources: [
          table.tableArn,
          ...TABLE.globalSecondaryIndexes.map((g) => `${table.tableArn}/index/${g.indexName}`),
        ],
      }),
    );
  }

  /**
   * Allows reading only the named secrets: an exact name (`hookbridge/admin`) or a prefix ending
   * in `/` (`hookbridge/webhooks/`). Secrets Manager appends `-` and 6 random characters to every
   * ARN, so an exact name is matched with `-??????` and a prefix with `*`.
   */
  bindSecrets(names: string[]): void {
    if (!names.length) return;
    const stack = Stack.of(this);
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: names.map((n) =>
          stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: n.endsWith('/') ? `${n}*` : `${n}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
  }
}

import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_ALARMS } from '../../infra/constructs/pipeline-alarms.js';
import { FUNCTION_SETTINGS, secretGrantsFor, tableActionsFor } from '../../infra/functions.js';
import { REPO_ROOT } from '../../infra/local/server.js';
import { GATEWAY_ROUTES } from '../../infra/routes.js';
import { HookbridgeStack } from '../../infra/stacks/hookbridge-stack.js';
import { STREAM_FILTER_PATTERN, STREAM_SETTINGS } from '../../infra/stream.js';
import { indexInclude, TABLE } from '../../shared/table.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are untyped JSON; the assertions are the checks.
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

function synth(stage: 'dev' | 'prod', context: Record<string, string> = {}) {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), `hb-cdk-${stage}-`)), context });
  const stack = new HookbridgeStack(app, `Hookbridge-${stage}`, { stage, root: REPO_ROOT });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Throws ValidationFailed when cdk-nag reports any finding that is not acknowledged with a reason.
  app.synth();
  return { stack, template: Template.fromStack(stack), outdir: app.outdir };
}

/** Each function's bundle as synthesized: its asset folder (named by the code's S3 key), index.mjs and its chunks. */
function bundlesOf(template: Template, outdir: string) {
  const fns = template.findResources('AWS::Lambda::Function') as Resources;
  return Object.entries(fns)
    .filter(([, fn]) => fn.Properties.Environment?.Variables?.HOOKBRIDGE_TABLE)
    .map(([id, fn]) => {
      const dir = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      const chunks = existsSync(join(dir, 'chunks')) ? readdirSync(join(dir, 'chunks')) : [];
      const code = [
        join(dir, 'index.mjs'),
        ...chunks.filter((c) => c.endsWith('.mjs')).map((c) => join(dir, 'chunks', c)),
      ]
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      return { id, files: readdirSync(dir), chunks, code };
    });
}

/** The delivery queue's event source mapping (the only SQS one). */
function sqsMapping(template: Template) {
  const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping') as Resources);
  const sqs = mappings.filter((m) => !m.Properties.StartingPosition);
  expect(sqs.length).toBe(1);
  return sqs[0]!.Properties;
}

/** Every IAM action any policy in the template grants. */
const grantedActions = (template: Template): string[] =>
  Object.values(template.findResources('AWS::IAM::Policy') as Resources).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((st) =>
      [st.Action].flat(),
    ),
  );

/** The environment of each function that would publish to the bus (settings `uses: event-bus`). */
function publisherEnvironments(template: Template): [string, Record<string, unknown>][] {
  const fns = Object.values(template.findResources('AWS::Lambda::Function') as Resources);
  const publishers = Object.entries(FUNCTION_SETTINGS).filter(([, f]) => f.uses?.includes('event-bus'));
  expect(publishers.map(([name]) => name)).toContain('events-process');
  return publishers.map(([name]) => {
    const fn = fns.find((f) => String(f.Properties.FunctionName).endsWith(`-${name}`));
    return [name, fn!.Properties.Environment.Variables];
  });
}

/** `-c eventBus=false`: no bus, no PutEvents anywhere, and the would-be publishers told it is off. */
function expectNoBus(template: Template): void {
  template.resourceCountIs('AWS::Events::EventBus', 0);
  expect(grantedActions(template).filter((a) => a.startsWith('events:'))).toEqual([]);
  for (const [name, env] of publisherEnvironments(template)) {
    expect(env.HOOKBRIDGE_EVENT_BUS, name).toBe('off');
    expect(env, name).not.toHaveProperty('HOOKBRIDGE_EVENT_BUS_NAME');
  }
  expect(JSON.stringify(template.toJSON())).not.toContain('HOOKBRIDGE_EVENT_BUS_NAME');
}

let prod: Template;
let dev: Template;
let devOutdir: string;
beforeAll(() => {
  prod = synth('prod').template;
  ({ template: dev, outdir: devOutdir } = synth('dev'));
}, 300_000);

describe('table', () => {
  it('is on-demand with PITR, TTL, a NEW_IMAGE stream and the shared key schema', () => {
    prod.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      GlobalSecondaryIndexes: TABLE.globalSecondaryIndexes.map((g) =>
        Match.objectLike({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey, KeyType: 'HASH' },
            { AttributeName: g.sortKey, KeyType: 'RANGE' },
          ],
          Projection: indexInclude(g)
            ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...(indexInclude(g) ?? [])] }
            : { ProjectionType: 'ALL' },
        }),
      ),
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
  });

  it('is protected and retained in prod, not in dev', () => {
    prod.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
    });
    dev.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
  });
});

describe('functions', () => {
  it('all use the construct defaults: nodejs22.x, arm64, ESM without source maps, JSON logs with retention', () => {
    const fns = prod.findResources('AWS::Lambda::Function') as Resources;
    const names = Object.keys(FUNCTION_SETTINGS);
    expect(Object.keys(fns).length).toBeGreaterThanOrEqual(names.length);
    for (const [id, fn] of Object.entries(fns)) {
      const p = fn.Properties;
      expect(p.Runtime, id).toBe('nodejs22.x');
      expect(p.Architectures, id).toEqual(['arm64']);
      expect(p.Handler, id).toBe('index.handler');
      expect(p.Environment.Variables.NODE_OPTIONS, id).toBeUndefined();
      expect(p.Environment.Variables.HOOKBRIDGE_SECRETS_BACKEND, id).toBe('secrets-manager');
      expect(p.LoggingConfig.LogFormat, id).toBe('JSON');
      // Every function's config needs the table name, even one granted nothing on it (GET /health).
      expect(p.Environment.Variables.HOOKBRIDGE_TABLE, id).toBeDefined();
      expect(p.TracingConfig?.Mode ?? 'PassThrough', id).toBe('PassThrough');
      // Test-only switches never reach AWS.
      expect(
        Object.keys(p.Environment.Variables).filter((k) => k.startsWith('HOOKBRIDGE_TEST_')),
        id,
      ).toEqual([]);
      expect(p.Environment.Variables.HOOKBRIDGE_LOCAL, id).toBeUndefined();
    }
    prod.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  it('bundles only the environment credential provider: no SSO/STS/INI chain, no nested clients, no source maps', () => {
    const bundles = bundlesOf(dev, devOutdir);
    expect(bundles.length).toBe(Object.keys(FUNCTION_SETTINGS).length);
    for (const b of bundles) {
      // index.mjs, and the chunks split off it that only some requests load (infra/bundling.ts).
      expect(
        b.files.filter((f) => f !== 'chunks'),
        b.id,
      ).toEqual(['index.mjs']);
      expect(
        b.chunks.every((c) => c.endsWith('.mjs')),
        b.id,
      ).toBe(true);
      expect(b.code, b.id).toContain('No AWS credentials in the environment');
      for (const gone of [
        'credential-provider-sso',
        'credential-provider-ini',
        'sso-oidc',
        'AssumeRoleWithWebIdentity',
      ])
        expect(b.code.includes(gone), `${b.id} bundles ${gone}`).toBe(false);
    }
  });

  it('-c sourceMaps=true ships source maps and turns them on; -c deliveryConcurrency sets the queue mapping; -c eventBus=false builds no bus', () => {
    // One synth (bundling is the slow part) for every non-default flag; cdk-nag checks it too.
    const { template, outdir } = synth('dev', {
      sourceMaps: 'true',
      deliveryConcurrency: '200',
      webhooksFunctionUrl: 'true',
      eventBus: 'false',
    });
    expectNoBus(template);
    expect(sqsMapping(template).ScalingConfig).toEqual({ MaximumConcurrency: 200 });
    // -c webhooksFunctionUrl=true: one public Function URL, on webhooks-receive only, and the
    // webhook URL outputs point at it.
    const urls = Object.values(template.findResources('AWS::Lambda::Url') as Resources);
    expect(urls.map((u) => [u.Properties.AuthType, JSON.stringify(u.Properties.TargetFunctionArn)])).toEqual([
      ['NONE', expect.stringContaining('Fnwebhooksreceive')],
    ]);
    const out = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(out.WebhookUrlStripe!.Value)).toContain('FunctionUrl');
    expect(JSON.stringify(out.WebhookUrlStripe!.Value)).toContain('webhooks/stripe');
    expect(out.WebhooksFunctionUrl).toBeDefined();
    const fns = Object.values(template.findResources('AWS::Lambda::Function') as Resources).filter(
      (fn) => fn.Properties.Environment?.Variables?.HOOKBRIDGE_TABLE,
    );
    expect(fns.length).toBe(Object.keys(FUNCTION_SETTINGS).length);
    for (const fn of fns)
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    for (const b of bundlesOf(template, outdir)) {
      expect(b.files.filter((f) => f !== 'chunks').sort(), b.id).toEqual(['index.mjs', 'index.mjs.map']);
      for (const c of b.chunks.filter((c) => c.endsWith('.mjs')))
        expect(b.chunks, b.id).toContain(`${c}.map`);
    }
  }, 120_000);

  it('gives each function the memory and timeout chosen for it', () => {
    for (const [name, s] of Object.entries(FUNCTION_SETTINGS)) {
      prod.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `Hookbridge-prod-${name}`,
        MemorySize: s.memoryMb,
        Timeout: s.timeoutSec,
      });
    }
  });

  it('sets HOOKBRIDGE_TABLE wherever the table is granted, and scopes table access to the table and its indexes', () => {
    const policies = prod.findResources('AWS::IAM::Policy') as Resources;
    for (const p of Object.values(policies)) {
      for (const st of p.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[]) {
        const actions = [st.Action].flat();
        if (actions.some((a) => a.startsWith('dynamodb:'))) {
          expect(JSON.stringify(st.Resource)).not.toContain('"*"');
          expect(JSON.stringify(st.Resource)).not.toMatch(/index\/\*/);
        }
        if (actions.some((a) => a.startsWith('secretsmanager:'))) {
          expect(JSON.stringify(st.Resource)).toMatch(/secret:hookbridge\//);
        }
        if (st.Resource === '*') expect(actions.every((a) => a.startsWith('xray:'))).toBe(true);
      }
    }
  });

  it('grants each function exactly its listed table actions and secrets (the ones local IAM enforces)', () => {
    const fns = prod.findResources('AWS::Lambda::Function') as Resources;
    const policies = Object.values(prod.findResources('AWS::IAM::Policy') as Resources);
    for (const name of Object.keys(FUNCTION_SETTINGS)) {
      const fn = Object.values(fns).find((f) => f.Properties.FunctionName === `Hookbridge-prod-${name}`)!;
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const statements = policies
        .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
        .flatMap(
          (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
        );
      const actions = (prefix: string) =>
        statements
          .flatMap((st) => [st.Action].flat())
          .filter((a) => a.startsWith(prefix))
          .sort();
      // The stream event source adds its own stream-read actions (on the stream ARN only).
      const streamRead = [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
      ];
      expect(
        actions('dynamodb:').filter((a) => !streamRead.includes(a)),
        name,
      ).toEqual(
        tableActionsFor(name)
          .map((a) => `dynamodb:${a}`)
          .sort(),
      );
      const secretResources = JSON.stringify(
        statements
          .filter((st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')))
          .map((st) => st.Resource),
      );
      for (const grant of secretGrantsFor(name))
        expect(secretResources, `${name} ${grant}`).toContain(`secret:${grant}`);
      expect((secretResources.match(/secret:hookbridge\//g) ?? []).length, name).toBe(
        secretGrantsFor(name).length,
      );
    }
  });

  it('lets only delivery-api read queue depths, on the delivery queue and each dead-letter queue only', () => {
    const policies = Object.values(prod.findResources('AWS::IAM::Policy') as Resources);
    const statements = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).map(
        (st) => ({
          roles: JSON.stringify(p.Properties.Roles),
          actions: [st.Action].flat(),
          resource: st.Resource as { 'Fn::GetAtt': [string, string] },
        }),
      ),
    );
    // (CDK's send and consume grants carry GetQueueAttributes too; these are the grants of it alone.)
    const reads = statements.filter((st) => st.actions.join() === 'sqs:GetQueueAttributes');
    expect(reads.map((st) => st.roles.match(/Fn([a-z]+)Role/)?.[1])).toEqual(reads.map(() => 'deliveryapi'));
    const queues = Object.keys(prod.findResources('AWS::SQS::Queue'));
    expect(reads.map((st) => st.resource['Fn::GetAtt'][0]).sort()).toEqual(queues.sort());
    const deliveryQueue = queues.find((q) => /^DeliveryQueue/.test(q));
    const fn = Object.values(prod.findResources('AWS::Lambda::Function') as Resources).find(
      (f) => f.Properties.FunctionName === 'Hookbridge-prod-delivery-api',
    )!;
    const env = fn.Properties.Environment.Variables;
    expect(env.HOOKBRIDGE_DELIVERY_QUEUE_URL).toEqual({ Ref: deliveryQueue });
    const [, parts] = env.HOOKBRIDGE_DEAD_LETTER_QUEUE_URLS['Fn::Join'] as [
      string,
      ({ Ref: string } | string)[],
    ];
    const refs = parts.filter((p) => p !== ',').map((p) => (p as { Ref: string }).Ref);
    expect(refs.sort()).toEqual(queues.filter((q) => q !== deliveryQueue).sort());
  });

  it('uses no AWS managed policy', () => {
    const roles = prod.findResources('AWS::IAM::Role') as Resources;
    for (const r of Object.values(roles)) expect(r.Properties.ManagedPolicyArns ?? []).toEqual([]);
  });
});

describe('HTTP API', () => {
  it('has exactly the routes of the route table, its /console/api mirror, plus $default', () => {
    const routes = prod.findResources('AWS::ApiGatewayV2::Route') as Resources;
    const keys = Object.values(routes)
      .map((r) => r.Properties.RouteKey as string)
      .sort();
    expect(keys).toEqual([...GATEWAY_ROUTES.map((r) => `${r.method} ${r.path}`), '$default'].sort());
  });

  it('has throttling and JSON access logs with the request id', () => {
    prod.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 2000, ThrottlingRateLimit: 1000 },
      AccessLogSettings: { Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
  });

  it('creates the vault key with a generated value, retained in prod', () => {
    prod.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Name: 'hookbridge/vault',
        GenerateSecretString: Match.objectLike({ GenerateStringKey: 'k1', PasswordLength: 64 }),
      }),
    });
    // In dev a destroy takes the table (and so every token) too; retaining the key would only block a redeploy.
    dev.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Name: 'hookbridge/vault' }),
    });
  });

  it('creates the admin key secret with a generated value', () => {
    prod.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'hookbridge/admin',
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'apiKey' }),
    });
  });
});

describe('processing, schedules, secrets and outputs', () => {
  it('feeds only new event records from the stream to events-process, with bisect, retries and an on-failure queue', () => {
    const mappings = prod.findResources('AWS::Lambda::EventSourceMapping') as Resources;
    const stream = Object.values(mappings).find(
      (m) => m.Properties.EventSourceArn?.['Fn::GetAtt']?.[1] === 'StreamArn',
    );
    if (!FUNCTION_SETTINGS['events-process']) return expect(stream).toBeUndefined();
    expect(stream).toBeDefined();
    const p = stream!.Properties;
    expect(JSON.parse(p.FilterCriteria.Filters[0].Pattern)).toEqual(STREAM_FILTER_PATTERN);
    expect(p.BisectBatchOnFunctionError).toBe(true);
    expect(p.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(p.MaximumRetryAttempts).toBe(STREAM_SETTINGS.retryAttempts);
    expect(p.DestinationConfig.OnFailure.Destination).toBeDefined();
  });

  it('publishes to one event bus by default: PutEvents on it, its name on every would-be publisher', () => {
    prod.resourceCountIs('AWS::Events::EventBus', 1);
    prod.hasResourceProperties('AWS::Events::EventBus', { Name: 'Hookbridge-prod-events' });
    expect(grantedActions(prod).filter((a) => a.startsWith('events:'))).toContain('events:PutEvents');
    for (const [name, env] of publisherEnvironments(prod)) {
      expect(env.HOOKBRIDGE_EVENT_BUS_NAME, name).toBeDefined();
      expect(env, name).not.toHaveProperty('HOOKBRIDGE_EVENT_BUS');
    }
  });

  it('runs at most 10 deliveries-send batches at once unless -c deliveryConcurrency says otherwise', () => {
    expect(sqsMapping(prod)).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 10 } });
    // and no Function URL unless -c webhooksFunctionUrl=true: every route goes through the HTTP API.
    expect(prod.findResources('AWS::Lambda::Url')).toEqual({});
  });

  it('encrypts every queue and alarms on every dead-letter queue', () => {
    const queues = Object.values(prod.findResources('AWS::SQS::Queue') as Resources);
    for (const q of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const alarms = prod.findResources('AWS::CloudWatch::Alarm') as Resources;
    const dlqAlarms = Object.values(alarms).filter(
      (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(dlqAlarms.length).toBe(
      Object.keys(prod.findResources('AWS::SQS::Queue')).filter((id) => /Dlq/i.test(id)).length,
    );
  });

  it('has alarms on the 5xx rate and throttles, and a dashboard', () => {
    const alarms = Object.values(prod.findResources('AWS::CloudWatch::Alarm') as Resources).map(
      (a) => a.Properties.AlarmDescription as string,
    );
    expect(alarms.some((d) => /5xx/.test(d))).toBe(true);
    expect(alarms.some((d) => /throttled/.test(d))).toBe(true);
    expect(alarms.some((d) => /failed verification/.test(d))).toBe(true);
    expect(alarms.some((d) => /token refreshes failed/.test(d))).toBe(true);
    expect(alarms.some((d) => /exhausted its retries/.test(d))).toBe(true);
    expect(alarms.some((d) => /REPLACE_ME placeholder/.test(d))).toBe(true);
    // The counted log lines are the ones the code writes.
    const filters = Object.values(prod.findResources('AWS::Logs::MetricFilter') as Resources).map(
      (f) => f.Properties.FilterPattern as string,
    );
    expect(filters).toEqual(
      expect.arrayContaining([
        '"webhook rejected"',
        '"connection refresh failed"',
        '"delivery dead-lettered"',
        '"webhook secret is still the placeholder"',
      ]),
    );
    prod.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('alarms on stream iterator age, delivery queue age, table throttles and partial batch failures', () => {
    const alarms = Object.values(prod.findResources('AWS::CloudWatch::Alarm') as Resources).map(
      (a) => a.Properties,
    );
    const byMetric = (name: string) => alarms.find((a) => a.MetricName === name);
    const iterator = byMetric('IteratorAge');
    expect(iterator).toMatchObject({
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: PIPELINE_ALARMS.iteratorAgeMs,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(JSON.stringify(iterator!.Dimensions)).toMatch(/eventsprocess/i);
    const queueAge = byMetric('ApproximateAgeOfOldestMessage');
    expect(queueAge).toMatchObject({
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1800,
    });
    expect(JSON.stringify(queueAge!.Dimensions)).toMatch(/DeliveryQueue/);
    expect(JSON.stringify(queueAge!.Dimensions)).not.toContain('Dlq');
    const throttles = alarms.find((a) => /DynamoDB throttled/.test(a.AlarmDescription));
    expect(throttles?.Threshold).toBe(1);
    const stats = (
      throttles!.Metrics as { MetricStat?: { Metric: Record<string, unknown>; Period: number } }[]
    ).flatMap((m) => (m.MetricStat ? [m.MetricStat] : []));
    // Reads and writes on the table and on each index.
    expect(stats).toHaveLength(2 * (1 + TABLE.globalSecondaryIndexes.length));
    for (const s of stats) expect(s.Period).toBe(300);
    expect(new Set(stats.map((s) => s.Metric.MetricName))).toEqual(
      new Set(['ReadThrottleEvents', 'WriteThrottleEvents']),
    );
    const indexes = stats.flatMap((s) =>
      (s.Metric.Dimensions as { Name: string; Value: string }[])
        .filter((d) => d.Name === 'GlobalSecondaryIndexName')
        .map((d) => d.Value),
    );
    expect(new Set(indexes)).toEqual(new Set(TABLE.globalSecondaryIndexes.map((g) => g.indexName)));
    // Partial batch failures, counted per function from the line each one logs.
    for (const [fn, phrase, metric] of [
      ['eventsprocess', 'event processing failed', 'EventProcessingFailed'],
      ['deliveriessend', 'delivery message failed', 'DeliveryMessageFailed'],
    ] as const) {
      const filters = Object.values(prod.findResources('AWS::Logs::MetricFilter') as Resources).filter(
        (f) => f.Properties.FilterPattern === `"${phrase}"`,
      );
      expect(filters).toHaveLength(1);
      expect(JSON.stringify(filters[0]!.Properties.LogGroupName)).toMatch(new RegExp(fn, 'i'));
      expect(byMetric(metric)).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 1 });
    }
  });

  it('schedules every scheduled function', () => {
    for (const [name, s] of Object.entries(FUNCTION_SETTINGS)) {
      if (!s.scheduleMinutes) continue;
      prod.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: `rate(${s.scheduleMinutes} minutes)`,
        Description: `Runs ${name} every ${s.scheduleMinutes} minutes`,
      });
    }
  });

  it('runs the reconciler every 5 minutes, once per tick, with only the api-key secrets and its table actions', () => {
    const fns = prod.findResources('AWS::Lambda::Function') as Resources;
    const [fnId, fn] = Object.entries(fns).find(
      ([, f]) => f.Properties.FunctionName === 'Hookbridge-prod-reconciler',
    )!;
    expect(fn.Properties.Timeout).toBe(300);
    const rules = Object.values(prod.findResources('AWS::Events::Rule') as Resources).filter((r) =>
      JSON.stringify(r.Properties.Targets).includes(fnId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [expect.objectContaining({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    // EventBridge may invoke it, nothing else (no function URL, no API route).
    const permissions = Object.values(prod.findResources('AWS::Lambda::Permission') as Resources).filter(
      (p) => JSON.stringify(p.Properties.FunctionName).includes(fnId),
    );
    expect(permissions.map((p) => p.Properties.Principal)).toEqual(['events.amazonaws.com']);
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = Object.values(prod.findResources('AWS::IAM::Policy') as Resources)
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(
        (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
    const actions = statements
      .flatMap((st) => [st.Action].flat())
      .filter((a) => !a.startsWith('xray:'))
      .sort();
    expect(actions).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    const secrets = JSON.stringify(
      statements.filter((st) => [st.Action].flat()[0]!.startsWith('secretsmanager:')),
    );
    expect(secrets).toContain('secret:hookbridge/apikeys/*');
    expect(secrets).not.toMatch(/hookbridge\/(webhooks|oauth|vault|admin)/);
  });

  it('creates provider secret placeholders and outputs their webhook URLs and the OAuth callback', () => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'hb-cdk-ctx-')),
      context: {
        webhookProviders: 'stripe,github',
        oauthIntegrations: 'google',
        publicUrl: 'https://hooks.example.com',
        'reservedConcurrency:webhooks-receive': '50',
        eventRetentionDays: '90',
        tracing: 'true',
      },
    });
    const stack = new HookbridgeStack(app, 'Ctx', { stage: 'dev', root: REPO_ROOT });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'hookbridge/webhooks/stripe' });
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'hookbridge/webhooks/github' });
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'hookbridge/oauth/google' });
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'OAuthCallbackUrl', 'WebhookUrlStripe', 'WebhookUrlGithub']),
    );
    expect(outputs.WebhookUrlGithub!.Value).toBe('https://hooks.example.com/webhooks/github');
    expect(outputs.OAuthCallbackUrl!.Value).toBe('https://hooks.example.com/oauth/callback');
    t.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Ctx-webhooks-receive',
      ReservedConcurrentExecutions: 50,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          HOOKBRIDGE_PUBLIC_URL: 'https://hooks.example.com',
          HOOKBRIDGE_EVENT_RETENTION_DAYS: '90',
        }),
      },
    });
    expect(
      () =>
        new HookbridgeStack(new App({ context: { webhookProviders: 'nope' } }), 'Bad', {
          stage: 'dev',
          root: REPO_ROOT,
        }),
    ).toThrow(/unknown provider "nope"/);
    // Bad context fails at synth, not as a misconfigured function at run time.
    for (const [context, message] of [
      [{ eventRetentionDays: '3' }, /eventRetentionDays must be 7-3650/],
      [{ publicUrl: 'http://hooks.example.com' }, /publicUrl must be an https URL/],
      [{ publicUrl: 'not a url' }, /publicUrl must be a URL/],
    ] as const) {
      expect(
        () => new HookbridgeStack(new App({ context }), 'Bad2', { stage: 'dev', root: REPO_ROOT }),
      ).toThrow(message);
    }
  }, 120_000);

  it('keeps log metrics per stack, so stages in one account never share an alarm', () => {
    const filters = Object.values(prod.findResources('AWS::Logs::MetricFilter') as Resources);
    expect(filters.length).toBeGreaterThan(0);
    for (const f of filters) {
      expect(f.Properties.MetricTransformations[0].MetricNamespace).toBe('Hookbridge/Hookbridge-prod');
    }
  });
});

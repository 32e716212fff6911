import { type Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag acknowledgements, each with its reason. Applied by the app and by the infra tests, so
 * `npm test` fails on any finding that is not listed here.
 */
export function acknowledgeNagFindings(stack: Stack, secretPrefixes: string[]): void {
  const ack = (scope: IConstruct, id: string, reason: string) =>
    Validations.of(scope).acknowledge({ id, reason });

  ack(
    stack,
    'AwsSolutions-L1',
    'Functions are pinned to nodejs22.x on purpose: the code is built and tested for Node 20/22, and a runtime upgrade is a reviewed change.',
  );
  ack(
    stack,
    'AwsSolutions-APIG4',
    'Authorization happens in the functions: scoped API keys (hashed, constant-time), provider webhook signatures, or the OAuth state cookie. A Lambda authorizer would add a second cold start to every webhook.',
  );
  ack(
    stack,
    'AwsSolutions-SMG4',
    'These secrets hold third-party credentials or opaque keys that only the provider or operator can rotate; the README gives the put-secret-value commands, and the vault supports key rotation by kid.',
  );
  for (const child of stack.node.findAll()) {
    if (!/\/Role\/DefaultPolicy\/Resource$/.test(child.node.path)) continue;
    ack(
      child,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords support only Resource "*" (AWS requirement).',
    );
    for (const prefix of secretPrefixes) {
      ack(
        child,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefix}*]`,
        `One secret per provider source or integration lives under ${prefix}; the function may read only that prefix, because the name is chosen at run time from the URL or the integration id.`,
      );
    }
  }
}

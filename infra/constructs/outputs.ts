import { CfnOutput } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export interface OutputsProps {
  api: apigw.HttpApi;
  table: ITableV2;
  /** The custom domain in front of the API, if any; the URLs to register use it. */
  publicUrl: string | undefined;
  webhookProviders: readonly string[];
  /** `webhooks-receive`'s Function URL (with its trailing slash), when `-c webhooksFunctionUrl=true`. */
  webhooksUrl?: string | undefined;
}

/** The URLs the operator registers at each provider, and the API and table names. */
export function addOutputs(scope: Construct, props: OutputsProps): void {
  const publicUrl = props.publicUrl ?? props.api.apiEndpoint;
  // A Function URL ends in a slash; the API's base URL does not.
  const webhooksBase = props.webhooksUrl ?? `${publicUrl}/`;
  if (props.webhooksUrl)
    new CfnOutput(scope, 'WebhooksFunctionUrl', {
      value: props.webhooksUrl,
      description: 'webhooks-receive as a Lambda Function URL (-c webhooksFunctionUrl=true)',
    });
  for (const provider of props.webhookProviders) {
    // stripe -> WebhookUrlStripe, standard-webhooks -> WebhookUrlStandardWebhooks
    const outputId = `WebhookUrl${provider.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`;
    new CfnOutput(scope, outputId, {
      value: `${webhooksBase}webhooks/${provider}`,
      description: `Register this URL at ${provider} as the webhook endpoint`,
    });
  }
  new CfnOutput(scope, 'ApiUrl', {
    value: props.api.apiEndpoint,
    description: 'Base URL of the Hookbridge API',
  });
  new CfnOutput(scope, 'OAuthCallbackUrl', {
    value: `${publicUrl}/oauth/callback`,
    description: 'Register this redirect URI at every OAuth provider app',
  });
  new CfnOutput(scope, 'TableName', { value: props.table.tableName });
}

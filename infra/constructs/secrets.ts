import { type RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  ADMIN_SECRET_NAME,
  oauthSecretName,
  VAULT_SECRET_NAME,
  webhookSecretName,
} from '../../shared/secret-names.js';

// Every secret is built in the caller's scope (not a child construct), so logical IDs stay as they were.

interface GeneratedSecret {
  /** Construct id. */
  id: string;
  name: string;
  description: string;
  /** The JSON object the generated value is added to. */
  template: Record<string, string>;
  /** The key that holds the generated value. */
  key: string;
  length: number;
}

const ADMIN_KEY: GeneratedSecret = {
  id: 'AdminKey',
  name: ADMIN_SECRET_NAME,
  description: 'Hookbridge bootstrap admin API key',
  template: {},
  key: 'apiKey',
  length: 48,
};

// The vault stretches k1 with SHA-256. Retained in prod: losing it loses every stored token.
const VAULT_KEY: GeneratedSecret = {
  id: 'VaultKey',
  name: VAULT_SECRET_NAME,
  description: 'Hookbridge token-vault encryption keys (rotate by kid; see README)',
  template: { current: 'k1' },
  key: 'k1',
  length: 64,
};

/** The bootstrap admin key `{"apiKey": …}` and the token-vault key `{"current": "k1", "k1": …}`, generated at deploy time. */
export function addGeneratedSecrets(scope: Construct, removalPolicy: RemovalPolicy): void {
  for (const s of [ADMIN_KEY, VAULT_KEY]) {
    new secretsmanager.Secret(scope, s.id, {
      secretName: s.name,
      description: s.description,
      generateSecretString: {
        secretStringTemplate: JSON.stringify(s.template),
        generateStringKey: s.key,
        passwordLength: s.length,
        excludePunctuation: true,
      },
      removalPolicy,
    });
  }
}

export interface PlaceholderSecretsProps {
  webhookProviders: readonly string[];
  oauthIntegrations: readonly string[];
  removalPolicy: RemovalPolicy;
}

/** Secrets the operator fills in with put-secret-value; a webhook arriving before that is refused. */
export function addPlaceholderSecrets(scope: Construct, props: PlaceholderSecretsProps): void {
  const placeholder = (id: string, name: string, value: Record<string, unknown>, description: string) =>
    new secretsmanager.Secret(scope, id, {
      secretName: name,
      description,
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(value)),
      removalPolicy: props.removalPolicy,
    });
  for (const provider of props.webhookProviders) {
    placeholder(
      `WebhookSecret-${provider}`,
      webhookSecretName(provider),
      { secrets: ['REPLACE_ME'] },
      `Signing secret(s) for ${provider} webhooks`,
    );
  }
  for (const integration of props.oauthIntegrations) {
    placeholder(
      `OAuthSecret-${integration}`,
      oauthSecretName(integration),
      { clientId: 'REPLACE_ME', clientSecret: 'REPLACE_ME' },
      `OAuth client credentials for integration ${integration}`,
    );
  }
}

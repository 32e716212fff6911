import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../ports/index.js';

/** Secrets Manager adapter. The SDK module loads on first use, so functions that never read a secret don't pay for it. */
export class SecretsManagerStore implements SecretStore {
  readonly kind = 'secrets-manager' as const;
  private client: SecretsManagerClient | undefined;

  constructor(private readonly region: string) {}

  async getSecret(name: string): Promise<unknown | undefined> {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    this.client ??= new sdk.SecretsManagerClient({ region: this.region });
    try {
      const out = await this.client.send(new sdk.GetSecretValueCommand({ SecretId: name }));
      if (out.SecretString !== undefined) return out.SecretString;
      return out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  }
}

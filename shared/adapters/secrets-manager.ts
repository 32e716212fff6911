import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../ports/index.js';

/**
 * Secrets Manager adapter. A static import on purpose: esbuild tree-shakes it down to the client
 * and one command, where a dynamic import() would keep the whole SDK package (every command and
 * schema) in the bundle. The client itself is created on first use.
 */
export class SecretsManagerStore implements SecretStore {
  readonly kind = 'secrets-manager' as const;
  private client: SecretsManagerClient | undefined;

  constructor(private readonly region: string) {}

  async getSecret(name: string): Promise<unknown | undefined> {
    this.client ??= new SecretsManagerClient({ region: this.region });
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      if (out.SecretString !== undefined) return out.SecretString;
      return out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  }
}

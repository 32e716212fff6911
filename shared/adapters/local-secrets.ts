import { readFile } from 'node:fs/promises';
import type { SecretStore } from '../ports/index.js';

/**
 * Local-mode secret store: a JSON file mapping each Secrets Manager name to the value Secrets
 * Manager would hold, written either as a JSON object or as a string holding JSON. Re-read on
 * every miss, so edits apply without a restart (the SecretCache bounds how often).
 */
export class LocalFileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  constructor(private readonly path: string) {}

  async getSecret(name: string): Promise<unknown | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const all = JSON.parse(text) as Record<string, unknown>;
    return Object.hasOwn(all, name) ? all[name] : undefined;
  }
}

import { readFile, stat } from 'node:fs/promises';
import { HookbridgeError } from '../errors.js';
import type { SecretStore } from '../ports/index.js';

/** The one-line problem for a secrets file that is not JSON: names the file, never its contents. */
export const invalidSecretsFile = (path: string): string =>
  `Secrets file ${path} is not valid JSON: fix its syntax (or delete it: npm start writes fresh dev secrets)`;

/**
 * Local-mode secret store: a JSON file mapping each Secrets Manager name to the value Secrets
 * Manager would hold, written either as a JSON object or as a string holding JSON. Each read
 * stats the file and parses it again only when its version (inode, size, mtime) changed, so the
 * container can read through on every request (no cache delay) and edits apply at once.
 */
export class LocalFileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  private parsed: { version: string; all: Record<string, unknown> } | undefined;

  constructor(private readonly path: string) {}

  async getSecret(name: string): Promise<unknown | undefined> {
    const all = await this.load();
    return all && Object.hasOwn(all, name) ? all[name] : undefined;
  }

  private async load(): Promise<Record<string, unknown> | undefined> {
    let version: string;
    try {
      const s = await stat(this.path, { bigint: true });
      version = `${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (this.parsed?.version === version) return this.parsed.all;
    const text = await readFile(this.path, 'utf8');
    let all: Record<string, unknown>;
    try {
      all = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new HookbridgeError('secrets_unavailable', invalidSecretsFile(this.path));
    }
    this.parsed = { version, all };
    return all;
  }
}

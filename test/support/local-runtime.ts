/** Helpers for tests and benches that start the local runtime against a throw-away secrets file. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The admin API key the integration tests start the local runtime with. */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

export interface TempSecrets {
  /** The temp folder (for anything else the test keeps beside the secrets). */
  dir: string;
  /** `<dir>/secrets.json`, as `startLocal({ secretsFile })` and `--secrets-file` take it. */
  secretsFile: string;
  /** Deletes the folder. */
  remove(): Promise<void>;
}

/** A fresh, empty temp folder named `<prefix>…`; `remove()` deletes it. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `secrets` (secret name -> value) to a fresh temp folder named `<prefix>…`, readable by the owner only. */
export async function writeTempSecrets(
  prefix: string,
  secrets: Record<string, unknown>,
): Promise<TempSecrets> {
  const temp = await tempDir(prefix);
  const secretsFile = join(temp.dir, 'secrets.json');
  await writeFile(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  return { ...temp, secretsFile };
}

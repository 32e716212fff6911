/** Helpers for tests and benches that start the local runtime against a throw-away secrets file. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempSecrets {
  /** The temp folder (for anything else the test keeps beside the secrets). */
  dir: string;
  /** `<dir>/secrets.json`, as `startLocal({ secretsFile })` and `--secrets-file` take it. */
  secretsFile: string;
  /** Deletes the folder. */
  remove(): Promise<void>;
}

/** Writes `secrets` (secret name -> value) to a fresh temp folder named `<prefix>…`, readable by the owner only. */
export async function writeTempSecrets(
  prefix: string,
  secrets: Record<string, unknown>,
): Promise<TempSecrets> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const secretsFile = join(dir, 'secrets.json');
  await writeFile(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  return { dir, secretsFile, remove: () => rm(dir, { recursive: true, force: true }) };
}

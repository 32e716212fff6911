/** The local secrets file: read it, add missing dev secrets (0600), add a source's secret. Never logs values. */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { invalidSecretsFile } from '../../shared/adapters/local-secrets.js';
import { webhookSecretName } from '../../shared/secret-names.js';
import { CliError } from '../cli.js';
import { DEV_SECRETS } from './dev-secrets.js';

/** The file's entries; `{}` when it does not exist yet, unless `required`. */
export async function readSecretsFile(
  path: string,
  opts: { required?: boolean } = {},
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !opts.required) return {};
    throw new CliError(
      `Cannot read secrets file ${path} (${code ?? 'unreadable'}): run npm start once to create it, or pass --secrets-file`,
    );
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CliError(invalidSecretsFile(path));
  }
}

async function writeSecretsFile(path: string, all: Record<string, unknown>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** Adds any missing dev secret to the file (0600); never overwrites, never logs values. */
export async function ensureDevSecrets(
  path: string,
): Promise<{ all: Record<string, unknown>; created: string[] }> {
  const all = await readSecretsFile(path);
  const created: string[] = [];
  for (const [name, make] of Object.entries(DEV_SECRETS)) {
    if (Object.hasOwn(all, name)) continue;
    all[name] = make();
    created.push(name);
  }
  if (created.length) await writeSecretsFile(path, all);
  return { all, created };
}

/** Adds a generated secret for source `sourceId` of `provider`, shaped like the provider's dev secret. */
export async function addSourceSecret(
  path: string,
  provider: string,
  sourceId: string,
): Promise<{ secrets: string[] }> {
  const make = DEV_SECRETS[webhookSecretName(provider)];
  if (!make)
    throw new CliError(`No dev secret shape for provider ${provider}: add the source's secret by hand`);
  const all = await readSecretsFile(path, { required: true });
  const value = make() as { secrets: string[] };
  all[webhookSecretName(provider, sourceId)] = value;
  await writeSecretsFile(path, all);
  return value;
}

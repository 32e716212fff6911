/**
 * Which Hookbridge the CLI talks to, and with which key: `--url`, else HOOKBRIDGE_URL, else the
 * running local runtime (its `.hookbridge/runtime.json`); the API key from `--api-key`, else
 * HOOKBRIDGE_API_KEY, else (for the local runtime only) its secrets file's `hookbridge/admin`.
 */
import { resolve } from 'node:path';
import { ADMIN_SECRET_NAME } from '../../shared/secret-names.js';
import { parseSecretValue } from '../../shared/secrets.js';
import { CliError } from '../cli.js';
import { readRuntimeFile, runtimeFilePath } from '../local/runtime-file.js';
import { readSecretsFile } from '../local/secrets-file.js';
import { EXIT } from './exit.js';

export interface TargetOptions {
  url?: string | undefined;
  'api-key'?: string | undefined;
  'secrets-file'?: string | undefined;
}

export interface Target {
  url: string;
  /** Set when the target is the local runtime named by the runtime file. */
  local: boolean;
  /** The local secrets file (webhook sources' secrets, the admin key): `--secrets-file`, else the runtime's. */
  secretsFile: string | undefined;
  apiKey(): Promise<string>;
}

function parseUrl(raw: string, from: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliError(
      `${from} "${raw}" is not a URL: pass the service's base URL, e.g. http://127.0.0.1:3000`,
      EXIT.usage,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CliError(`${from} must be an http(s) URL, not ${u.protocol}`, EXIT.usage);
  return u.toString().replace(/\/+$/, '');
}

export function resolveTarget(opts: TargetOptions): Target {
  const explicit = opts.url ?? process.env.HOOKBRIDGE_URL;
  const runtime = readRuntimeFileOrExit();
  const url = explicit
    ? parseUrl(explicit, opts.url ? '--url' : 'HOOKBRIDGE_URL')
    : runtime
      ? parseUrl(runtime.url, runtimeFilePath())
      : undefined;
  if (!url)
    throw new CliError(
      `no Hookbridge to talk to: no local runtime is running (no ${runtimeFilePath()}): start one with npm start, or pass --url (or set HOOKBRIDGE_URL) for a deployed one`,
      EXIT.unreachable,
    );
  const local = runtime !== undefined && parseUrl(runtime.url, 'runtime url') === url;
  const secretsFile = opts['secrets-file']
    ? resolve(opts['secrets-file'])
    : local
      ? runtime.secretsFile
      : process.env.HOOKBRIDGE_SECRETS_FILE && resolve(process.env.HOOKBRIDGE_SECRETS_FILE);
  return { url, local, secretsFile, apiKey: () => apiKeyFor(opts, url, local ? secretsFile : undefined) };
}

function readRuntimeFileOrExit() {
  try {
    return readRuntimeFile(runtimeFilePath());
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.unreachable);
  }
}

async function apiKeyFor(
  opts: TargetOptions,
  url: string,
  localSecrets: string | undefined,
): Promise<string> {
  const given = opts['api-key'] ?? process.env.HOOKBRIDGE_API_KEY;
  if (given) return given;
  const fromFile = localSecrets
    ? (
        parseSecretValue((await readSecretsFile(localSecrets))[ADMIN_SECRET_NAME]) as
          | { apiKey?: unknown }
          | undefined
      )?.apiKey
    : undefined;
  if (typeof fromFile === 'string' && fromFile) return fromFile;
  throw new CliError(
    `no API key for ${url}: pass --api-key or set HOOKBRIDGE_API_KEY${localSecrets ? ` (${localSecrets} has no "${ADMIN_SECRET_NAME}")` : ''}`,
    EXIT.auth,
  );
}

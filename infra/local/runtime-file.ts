/**
 * `.hookbridge/runtime.json` (0600): where the running `npm start` is (its URL, dynalite endpoint,
 * table and secrets file), written once it listens and removed when it stops, so operator tools
 * (`npm run vault:reencrypt`) can find it without hand-set variables. No secret values in it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError } from '../cli.js';

export interface RuntimeInfo {
  pid: number;
  url: string;
  dynamoEndpoint: string;
  table: string;
  secretsFile: string;
}

/** HOOKBRIDGE_RUNTIME_FILE, else `.hookbridge/runtime.json` under the working directory. */
export const runtimeFilePath = (): string =>
  resolve(process.env.HOOKBRIDGE_RUNTIME_FILE ?? '.hookbridge/runtime.json');

/** What a running local runtime puts in the file, from the runtime itself (this process's pid). */
export const runtimeInfoOf = (rt: Omit<RuntimeInfo, 'pid'>): RuntimeInfo => ({
  pid: process.pid,
  url: rt.url,
  dynamoEndpoint: rt.dynamoEndpoint,
  table: rt.table,
  secretsFile: rt.secretsFile,
});

export async function writeRuntimeFile(path: string, info: RuntimeInfo): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** Synchronous, so it also runs from an exit handler. */
export const removeRuntimeFile = (path: string): void => rmSync(path, { force: true });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The running local runtime, or undefined when no runtime file exists; a stale or broken file is a CliError. */
export function readRuntimeFile(path: string): RuntimeInfo | undefined {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as RuntimeInfo;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`${path} is not a runtime file: delete it and restart npm start`);
  }
  if (!info.dynamoEndpoint || !info.table || !info.secretsFile || !alive(info.pid))
    throw new CliError(
      `${path} names a local runtime that is no longer running (pid ${info.pid}): start npm start again, or delete the file`,
    );
  return info;
}

/** The function environment the local runtime's handlers run with, for a tool run against it. */
export const localEnvironment = (
  info: Pick<RuntimeInfo, 'table' | 'dynamoEndpoint' | 'secretsFile'>,
): Record<string, string> => ({
  HOOKBRIDGE_TABLE: info.table,
  HOOKBRIDGE_DYNAMODB_ENDPOINT: info.dynamoEndpoint,
  HOOKBRIDGE_SECRETS_BACKEND: 'file',
  HOOKBRIDGE_SECRETS_FILE: info.secretsFile,
  HOOKBRIDGE_LOCAL: 'true',
});

/**
 * Where `hookbridge listen` resumes: the last acknowledged cursor of one pull destination on one
 * service, and the webhook-ids of the current page the local app has already answered (so a
 * Ctrl-C mid-page neither loses nor re-forwards them). A small 0600 JSON file, replaced atomically.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CliError } from '../cli.js';

export interface ListenState {
  url: string;
  destinationId: string;
  /** The destination's generation: a deleted and recreated destination starts over. */
  generation?: string | undefined;
  /** The last `next` acknowledged; absent before the first page. */
  cursor?: string | undefined;
  /** Webhook-ids after `cursor` already answered by the local app. */
  done: string[];
}

/** `--state`, else `$XDG_CONFIG_HOME/hookbridge/listen/<service hash>-<destination>.json` (~/.config by default). */
export function statePath(explicit: string | undefined, url: string, destinationId: string): string {
  if (explicit) return resolve(explicit);
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const service = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return join(base, 'hookbridge', 'listen', `${service}-${destinationId}.json`);
}

export function readState(path: string, url: string, destinationId: string): ListenState {
  const fresh: ListenState = { url, destinationId, done: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fresh;
    throw new CliError(
      `cannot read the listen state ${path} (${(err as NodeJS.ErrnoException).code}): fix its permissions, or pass --state with another path`,
    );
  }
  let s: Partial<ListenState>;
  try {
    s = JSON.parse(text) as Partial<ListenState>;
  } catch {
    throw new CliError(
      `the listen state ${path} is not JSON: delete it (listening then starts from the oldest unacknowledged message) or pass --state`,
    );
  }
  if (s.url !== url || s.destinationId !== destinationId)
    throw new CliError(
      `the listen state ${path} belongs to destination ${s.destinationId} at ${s.url}: pass --state with another path for ${destinationId} at ${url}`,
    );
  return { ...fresh, generation: s.generation, cursor: s.cursor, done: Array.isArray(s.done) ? s.done : [] };
}

export async function saveState(path: string, state: ListenState): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

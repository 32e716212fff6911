/** A local runtime for one test file: started in beforeAll on a throw-away secrets file, closed in afterAll. */
import { afterAll, beforeAll } from 'vitest';
import { type LocalOptions, type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from './local-runtime.js';

/** `runtime()` is the started runtime (read it inside tests, not at import). */
export function useLocalRuntime(
  prefix: string,
  secrets: Record<string, unknown>,
  options: Omit<LocalOptions, 'port' | 'secretsFile' | 'apiKey'> = {},
): () => LocalRuntime {
  let temp: TempSecrets | undefined;
  let rt: LocalRuntime | undefined;
  beforeAll(async () => {
    temp = await writeTempSecrets(prefix, secrets);
    rt = await startLocal({ ...options, port: 0, secretsFile: temp.secretsFile, apiKey: TEST_ADMIN_KEY });
  });
  afterAll(async () => {
    await rt?.close();
    await temp?.remove();
  });
  return () => {
    if (!rt) throw new Error('the local runtime has not started');
    return rt;
  };
}

/**
 * Runs `fn` against a runtime of its own whose store has been stopped, then closes it: a test of
 * store failures that leaves the file's shared runtime (and its store) alone.
 */
export async function withStoreDown<T>(
  options: Omit<LocalOptions, 'port'>,
  fn: (rt: LocalRuntime) => Promise<T>,
): Promise<T> {
  const rt = await startLocal({ ...options, port: 0 });
  try {
    await rt.stopStore();
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

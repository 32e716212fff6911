/**
 * Local IAM: the local runtime runs every function in one process, so nothing would notice a
 * function using a table action or a secret its Lambda role does not grant. This module tracks
 * which function is running (AsyncLocalStorage) and checks each DynamoDB call and secret read
 * against the same grants the CDK stack writes (infra/functions.ts), failing the call as AWS
 * would (AccessDeniedException). Tests therefore prove the grants are sufficient, and the
 * grants stay minimal. The container takes it as its CallGuard.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import type { CallGuard } from '../../shared/ports/index.js';
import { FUNCTION_SETTINGS, secretGrantsFor, tableActionsFor } from '../functions.js';

const current = new AsyncLocalStorage<string>();

/** Runs `f` as Lambda function `fn`: its DynamoDB calls and secret reads are checked. */
export const runAs = <T>(fn: string, f: () => T): T => current.run(fn, f);

export const currentFunction = (): string | undefined => current.getStore();

class AccessDeniedException extends Error {
  override readonly name = 'AccessDeniedException';
}

/** Checks each call against the running function's grants, or only records it to `recordFile`. */
export function localIam(opts: { recordFile?: string | undefined } = {}): CallGuard {
  const deny = (fn: string, what: string) => {
    const msg = `local IAM: function "${fn}" is not granted ${what} (see infra/functions.ts)`;
    process.stderr.write(`${msg}\n`);
    throw new AccessDeniedException(msg);
  };
  return {
    dynamodb(action) {
      const fn = current.getStore();
      if (!fn) return;
      if (opts.recordFile) appendFileSync(opts.recordFile, `${fn} dynamodb:${action}\n`);
      else if (FUNCTION_SETTINGS[fn] && !(tableActionsFor(fn) as string[]).includes(action))
        deny(fn, `dynamodb:${action}`);
    },
    secret(name) {
      const fn = current.getStore();
      if (!fn) return;
      if (opts.recordFile) appendFileSync(opts.recordFile, `${fn} secret:${name}\n`);
      else if (
        FUNCTION_SETTINGS[fn] &&
        !secretGrantsFor(fn).some((g) => (g.endsWith('/') ? name.startsWith(g) : name === g))
      ) {
        deny(fn, `secretsmanager:GetSecretValue on ${name}`);
      }
    },
  };
}

/**
 * Local IAM: the local runtime runs every function in one process, so nothing would notice a
 * function using a table action or a secret its Lambda role does not grant. This module tracks
 * which function is running (AsyncLocalStorage) and checks each DynamoDB call and secret read
 * against the same grants the CDK stack writes (infra/functions.ts), failing the call as AWS
 * would (AccessDeniedException). Tests therefore prove the grants are sufficient, and the
 * grants stay minimal.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setDynamoClientDecorator } from '../../shared/adapters/dynamodb/client.js';
import { setSecretReadGuard } from '../../shared/secrets.js';
import { FUNCTION_SETTINGS, secretGrantsFor, tableActionsFor } from '../functions.js';

const current = new AsyncLocalStorage<string>();

/** Runs `f` as Lambda function `fn`: its DynamoDB calls and secret reads are checked. */
export const runAs = <T>(fn: string, f: () => T): T => current.run(fn, f);

export const currentFunction = (): string | undefined => current.getStore();

/** `PutItemCommand` / lib-dynamodb `PutCommand` -> `PutItem`. */
const LIB_TO_ACTION: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};
export function actionOf(commandName: string): string {
  const base = commandName.replace(/Command$/, '');
  return LIB_TO_ACTION[base] ?? base;
}

class AccessDeniedException extends Error {
  override readonly name = 'AccessDeniedException';
}

export function installLocalIam(opts: { recordFile?: string | undefined } = {}): void {
  const deny = (fn: string, what: string) => {
    const msg = `local IAM: function "${fn}" is not granted ${what} (see infra/functions.ts)`;
    process.stderr.write(`${msg}\n`);
    throw new AccessDeniedException(msg);
  };
  setDynamoClientDecorator((client: DynamoDBClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const fn = current.getStore();
        if (fn) {
          const action = actionOf(String(context.commandName ?? ''));
          if (opts.recordFile) appendFileSync(opts.recordFile, `${fn} dynamodb:${action}\n`);
          else if (FUNCTION_SETTINGS[fn] && !(tableActionsFor(fn) as string[]).includes(action))
            deny(fn, `dynamodb:${action}`);
        }
        return next(args);
      },
      { step: 'initialize', name: 'hookbridgeLocalIam' },
    );
  });
  setSecretReadGuard((name: string) => {
    const fn = current.getStore();
    if (!fn) return;
    if (opts.recordFile) appendFileSync(opts.recordFile, `${fn} secret:${name}\n`);
    else if (
      FUNCTION_SETTINGS[fn] &&
      !secretGrantsFor(fn).some((g) => (g.endsWith('/') ? name.startsWith(g) : name === g))
    ) {
      deny(fn, `secretsmanager:GetSecretValue on ${name}`);
    }
  });
}

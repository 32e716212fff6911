import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { fail } from './cli.js';
import { HookbridgeStack, type Stage } from './stacks/hookbridge-stack.js';

// A bad -c value (infra/stacks/context.ts) is one line naming the setting and the allowed values, no stack.
try {
  const app = new App();
  const stage = (app.node.tryGetContext('stage') ?? 'dev') as Stage;
  if (stage !== 'dev' && stage !== 'prod') throw new Error(`-c stage must be dev or prod, not "${stage}"`);

  new HookbridgeStack(app, `Hookbridge-${stage}`, {
    stage,
    root: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: `Hookbridge (${stage}): webhooks in, OAuth connections, calls out`,
    terminationProtection: stage === 'prod',
  });
  app.synth();
} catch (err) {
  fail(err);
}

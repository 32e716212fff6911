import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableActionsFor } from '../../infra/functions.js';
import { runAs } from '../../infra/local/iam.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { TEST_ADMIN_KEY, tempDir } from '../support/local-runtime.js';

let temp: Awaited<ReturnType<typeof tempDir>>;
let rt: LocalRuntime;

beforeAll(async () => {
  temp = await tempDir('hb-iam-');
  // No secrets file yet: the runtime creates it.
  rt = await startLocal({ port: 0, secretsFile: join(temp.dir, 'secrets.json'), apiKey: TEST_ADMIN_KEY });
});

afterAll(async () => {
  await rt?.close();
  await temp?.remove();
});

describe('local IAM: each function may do only what its Lambda role grants', () => {
  it('refuses a table action the function is not granted, as AWS would', async () => {
    expect(tableActionsFor('events-api')).not.toContain('PutItem');
    const put = () =>
      rt.container.table.ddb.send(
        new PutCommand({ TableName: rt.table, Item: { pk: 'iam#probe', sk: 'x', kind: 'probe' } }),
      );
    await expect(runAs('events-api', put)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // Nothing was written.
    const got = await rt.container.table.ddb.send(
      new GetCommand({ TableName: rt.table, Key: { pk: 'iam#probe', sk: 'x' } }),
    );
    expect(got.Item).toBeUndefined();
    // The same call as a function that is granted PutItem goes through.
    await runAs('webhooks-receive', put);
  });

  it('refuses a secret outside the function’s prefixes, cache hit or not', async () => {
    await runAs('oauth', () => rt.container.secrets.get('hookbridge/vault'));
    await expect(
      runAs('events-api', () => rt.container.secrets.get('hookbridge/vault')),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(
      runAs('webhooks-receive', () => rt.container.secrets.get('hookbridge/oauth/google')),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await runAs('webhooks-receive', () => rt.container.secrets.get('hookbridge/webhooks/stripe'));
  });
});

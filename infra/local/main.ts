/** `npm start`: runs the whole service on this machine. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocal } from './server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'secrets-file': { type: 'string' },
  },
});

const rt = await startLocal({
  port: values.port === undefined ? undefined : Number(values.port),
  dataDir: values['data-dir'] ?? process.env.HOOKBRIDGE_DATA_DIR,
  secretsFile: values['secrets-file'],
});

const keyLine =
  rt.apiKeySource === 'env'
    ? '(from HOOKBRIDGE_API_KEY)'
    : rt.apiKeySource === 'generated'
      ? `${rt.apiKey}   (generated now and shown once; kept as "hookbridge/admin" in the secrets file)`
      : '(the "hookbridge/admin" entry of the secrets file; the export line below reads it)';
const exportKey =
  rt.apiKeySource === 'env'
    ? []
    : [
        `  export HOOKBRIDGE_API_KEY="$(node -p 'const v=require(${JSON.stringify(rt.secretsFile)})["hookbridge/admin"]; (typeof v === "string" ? JSON.parse(v) : v).apiKey')"`,
      ];
const sendFlags = [
  rt.port === 3000 ? '' : ` --url ${rt.url}`,
  rt.secretsFile === resolve('.hookbridge/secrets.json') ? '' : ` --secrets-file ${rt.secretsFile}`,
].join('');

process.stdout.write(
  [
    '',
    `Hookbridge is running at ${rt.url}`,
    `  data:     ${rt.dataDir ? rt.dataDir : 'in memory (use --data-dir DIR or HOOKBRIDGE_DATA_DIR to keep it)'}`,
    `  dynamodb: dynalite at ${rt.dynamoEndpoint}, table ${rt.table}`,
    `  secrets:  ${rt.secretsFile}`,
    `  admin API key: ${keyLine}`,
    '',
    'Try:',
    `  curl ${rt.url}/health`,
    ...exportKey,
    `  curl -H "Authorization: Bearer $HOOKBRIDGE_API_KEY" ${rt.url}/api-keys`,
    `  npm run send-webhook -- stripe${sendFlags}     (signs a sample event with the local secret and posts it)`,
    `  curl -H "Authorization: Bearer $HOOKBRIDGE_API_KEY" ${rt.url}/events`,
    '',
  ].join('\n') + '\n',
);
process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'ready', url: rt.url })}\n`);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${sig}: shutting down\n`);
    rt.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

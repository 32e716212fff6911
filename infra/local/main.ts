/** `npm start`: runs the whole service on this machine. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { adminKey } from '../../shared/auth/authenticate.js';
import { CliError, errnoOf, fail } from '../cli.js';
import { formatActivity } from './activity.js';
import { DEV_DESTINATION_ID, type DevReceiver, startDevReceiver } from './dev-receiver.js';
import { removeRuntimeFile, runtimeFilePath, runtimeInfoOf, writeRuntimeFile } from './runtime-file.js';
import { type LocalRuntime, startLocal } from './server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.env.HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK ??= 'true';

async function start(): Promise<LocalRuntime> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'secrets-file': { type: 'string' },
    },
  });
  const port = values.port ?? process.env.PORT ?? '3000';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
    throw new CliError(`--port (or PORT) must be a port number 0-65535, not "${port}"`, 2);
  try {
    return await startLocal({
      port: Number(port),
      dataDir: values['data-dir'] ?? process.env.HOOKBRIDGE_DATA_DIR,
      secretsFile: values['secrets-file'],
      onActivity: (a) => process.stdout.write(`${formatActivity(a)}\n`),
    });
  } catch (err) {
    if (errnoOf(err) === 'EADDRINUSE')
      throw new CliError(
        `Port ${port} is already in use (EADDRINUSE): stop what is listening there, or run npm start -- --port ${Number(port) + 1} (or set PORT)`,
      );
    throw err;
  }
}

let rt: LocalRuntime;
try {
  rt = await start();
} catch (err) {
  fail(err);
}
// HOOKBRIDGE_LOCAL_RECEIVER=off: no stand-in receiver (tests that count destinations or deliveries).
let receiver: DevReceiver | undefined;
try {
  // The admin key as the functions read it (the secrets file may hold it as a string of JSON).
  if (process.env.HOOKBRIDGE_LOCAL_RECEIVER !== 'off')
    receiver = await startDevReceiver(rt.url, (await adminKey(rt.container.http.auth)) ?? rt.apiKey);
} catch (err) {
  await rt.close();
  fail(err);
}
const receiverLine = !receiver
  ? '  receiver: off (HOOKBRIDGE_LOCAL_RECEIVER=off)'
  : `  receiver: ${receiver.url}   (${receiver.created ? `destination "${DEV_DESTINATION_ID}" created: it answers 204 to every delivery; delete it once your app has its own` : `for destination "${DEV_DESTINATION_ID}", if you keep it`})`;
const runtimeFile = runtimeFilePath();
await writeRuntimeFile(runtimeFile, runtimeInfoOf(rt));
process.on('exit', () => removeRuntimeFile(runtimeFile));

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
    `  console:  ${rt.url}/console   (sign in with the admin API key below)`,
    receiverLine,
    `  data:     ${rt.dataDir ? rt.dataDir : 'in memory (use --data-dir DIR or HOOKBRIDGE_DATA_DIR to keep it)'}`,
    `  dynamodb: dynalite at ${rt.dynamoEndpoint}, table ${rt.table}`,
    `  secrets:  ${rt.secretsFile}`,
    rt.container.config.HOOKBRIDGE_EVENT_BUS === 'off'
      ? '  bus:      off (HOOKBRIDGE_EVENT_BUS=off): nothing is published to EventBridge; deliveries are unchanged'
      : '  bus:      EventBridge entries recorded in memory (HOOKBRIDGE_EVENT_BUS=off turns publishing off)',
    '  schedule: the reconciler runs due reconcilers every 5 minutes (docs/reconciliation.md)',
    `  admin API key: ${keyLine}`,
    'issuer' in rt.devOAuth
      ? `  dev OAuth: ${rt.devOAuth.issuer}   (an OpenID provider for integrations with "provider": "dev"; any name signs in)`
      : `  dev OAuth: not running: ${rt.devOAuth.error}; "provider": "dev" integrations are refused`,
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
    Promise.all([receiver?.close(), rt.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

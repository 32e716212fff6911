/**
 * `npm run send-webhook -- <provider> [--source id] [--create-source] [--file event.json] [--url http://127.0.0.1:3000]`
 * Signs a sample event (or the file's body) with the local secret for that provider and source,
 * posts it to the running local service, and prints the answer. `hookbridge trigger` does the same
 * with realistic per-event fixtures (infra/cli/trigger.ts); both sign through ./webhook-signers.ts.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROVIDER_ALIASES, PROVIDERS } from '../../shared/webhooks/catalog.js';
import { CliError, causeOf, runCli } from '../cli.js';
import { localSigningSecret, postSigned, signOrExplain, webhookPath } from './webhook-signers.js';

const USAGE =
  'usage: npm run send-webhook -- <provider> [--source id] [--create-source] [--file event.json] [--url base] [--secrets-file path]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      'create-source': { type: 'boolean' },
      file: { type: 'string' },
      url: { type: 'string' },
      'secrets-file': { type: 'string' },
    },
  });
  const provider = positionals[0];
  const slugs = [...Object.keys(PROVIDERS), ...Object.keys(PROVIDER_ALIASES)];
  if (!provider || !slugs.includes(provider))
    throw new CliError(
      `${provider ? `unknown provider "${provider}"` : 'no provider given'}: ${USAGE} (providers: ${slugs.join(', ')})`,
      2,
    );
  const canonical = PROVIDER_ALIASES[provider] ?? provider;
  const base = (values.url ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
  const secret = await localSigningSecret({
    provider: canonical,
    source: values.source,
    secretsFile: resolve(
      values['secrets-file'] ?? process.env.HOOKBRIDGE_SECRETS_FILE ?? '.hookbridge/secrets.json',
    ),
    base,
    createSource: values['create-source'],
  });
  const url = `${base}${webhookPath(provider, values.source)}`;
  const body = values.file ? await readBodyFile(values.file) : undefined;
  const res = await postSigned(url, signOrExplain(canonical, { url, secret, body }));
  process.stdout.write(
    `POST ${webhookPath(provider, values.source)} -> ${res.status}\n${await res.text()}\n`,
  );
  process.exitCode = res.ok ? 0 : 1;
}

async function readBodyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `Cannot read --file ${path} (${causeOf(err)}): pass the path of a file holding the event body`,
    );
  }
}

await runCli(main);

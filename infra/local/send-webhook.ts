/**
 * `npm run send-webhook -- <provider> [--source id] [--file event.json] [--url http://127.0.0.1:3000]`
 * Signs a sample event (or the file's body) with the local secret for that provider and source,
 * posts it to the running local service, and prints the answer. Like `stripe trigger`, for every provider.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSecretValue } from '../../shared/secrets.js';
import { PROVIDER_ALIASES, PROVIDERS } from '../../shared/webhooks/catalog.js';
import { webhookSecretName } from '../../shared/webhooks/receive.js';
import { signWebhook } from './webhook-signers.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    source: { type: 'string' },
    file: { type: 'string' },
    url: { type: 'string' },
    'secrets-file': { type: 'string' },
  },
});

const provider = positionals[0];
const slugs = [...Object.keys(PROVIDERS), ...Object.keys(PROVIDER_ALIASES)];
if (!provider || !slugs.includes(provider)) {
  process.stderr.write(
    `usage: npm run send-webhook -- <provider> [--source id] [--file event.json] [--url base]\nproviders: ${slugs.join(', ')}\n`,
  );
  process.exit(2);
}
const canonical = PROVIDER_ALIASES[provider] ?? provider;
const secretsFile = resolve(
  values['secrets-file'] ?? process.env.HOOKBRIDGE_SECRETS_FILE ?? '.hookbridge/secrets.json',
);
const secretName = webhookSecretName(canonical, values.source);
let all: Record<string, unknown>;
try {
  all = JSON.parse(await readFile(secretsFile, 'utf8')) as Record<string, unknown>;
} catch (err) {
  process.stderr.write(`Cannot read ${secretsFile} (run npm start once first): ${(err as Error).message}\n`);
  process.exit(1);
}
const secret = parseSecretValue(all[secretName]) as { secrets?: string[] } | undefined;
if (!secret?.secrets?.length) {
  process.stderr.write(`No secret "${secretName}" with a "secrets" list in ${secretsFile}\n`);
  process.exit(1);
}
const base = (values.url ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const path = `/webhooks/${provider}${values.source ? `/${encodeURIComponent(values.source)}` : ''}`;
const body = values.file ? await readFile(values.file, 'utf8') : undefined;
let signed: ReturnType<typeof signWebhook>;
try {
  signed = signWebhook(canonical, { url: `${base}${path}`, secret: secret as { secrets: string[] }, body });
} catch (err) {
  // e.g. PayPal, whose events only PayPal can sign.
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const res = await fetch(`${base}${path}`, { method: 'POST', headers: signed.headers, body: signed.body });
process.stdout.write(`POST ${path} -> ${res.status}\n${await res.text()}\n`);
process.exit(res.ok ? 0 : 1);

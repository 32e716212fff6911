/**
 * `npm run send-webhook -- <provider> [--source id] [--create-source] [--file event.json] [--url http://127.0.0.1:3000]`
 * Signs a sample event (or the file's body) with the local secret for that provider and source,
 * posts it to the running local service, and prints the answer. Like `stripe trigger`, for every provider.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSecretValue } from '../../shared/secrets.js';
import { PROVIDER_ALIASES, PROVIDERS } from '../../shared/webhooks/catalog.js';
import { webhookSecretName } from '../../shared/webhooks/receive.js';
import { CliError, causeOf, runCli } from '../cli.js';
import { LOCAL_PAYPAL_CERT_PATH, LOCAL_PAYPAL_SECRET_NAME, localPayPalStandIn } from './paypal-standin.js';
import { addSourceSecret, readSecretsFile } from './secrets-file.js';
import { type SignOptions, signWebhook } from './webhook-signers.js';

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
  const secretsFile = resolve(
    values['secrets-file'] ?? process.env.HOOKBRIDGE_SECRETS_FILE ?? '.hookbridge/secrets.json',
  );
  const secretName = webhookSecretName(canonical, values.source);
  const all = await readSecretsFile(secretsFile, { required: true });
  let secret = parseSecretValue(all[secretName]);
  if (!hasSecrets(secret) && values['create-source'] && values.source)
    secret = await addSourceSecret(secretsFile, canonical, values.source);
  if (!hasSecrets(secret)) throw missingSecret(secretName, secretsFile, canonical, values.source);
  const base = (values.url ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
  const signWith = canonical === 'paypal' ? withPayPalStandIn(secret, all, base, secretsFile) : secret;
  const path = `/webhooks/${provider}${values.source ? `/${encodeURIComponent(values.source)}` : ''}`;
  const body = values.file ? await readBodyFile(values.file) : undefined;
  let signed: ReturnType<typeof signWebhook>;
  try {
    signed = signWebhook(canonical, { url: `${base}${path}`, secret: signWith, body });
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const res = await post(`${base}${path}`, signed);
  process.stdout.write(`POST ${path} -> ${res.status}\n${await res.text()}\n`);
  process.exitCode = res.ok ? 0 : 1;
}

/**
 * PayPal signs with a certificate's key: locally, the leaf of the stand-in the first `npm start`
 * made (trusted by the local runtime only), whose chain that runtime serves on loopback.
 */
function withPayPalStandIn(
  secret: SignOptions['secret'],
  all: Record<string, unknown>,
  base: string,
  file: string,
): SignOptions['secret'] {
  if (typeof (secret as { signingKeyPem?: unknown }).signingKeyPem === 'string') return secret;
  const standIn = localPayPalStandIn(all[LOCAL_PAYPAL_SECRET_NAME]);
  if (!standIn)
    throw new CliError(
      `No local sample for paypal: PayPal signs events with the key of a certificate the receiver trusts, and ${file} has no local stand-in ("${LOCAL_PAYPAL_SECRET_NAME}"): restart npm start once to add the dev secrets (a dev CA only the local runtime trusts), or send a real event from PayPal's developer dashboard to a public URL of this service`,
      2,
    );
  return { ...secret, signingKeyPem: standIn.leafKeyPem, certUrl: `${base}${LOCAL_PAYPAL_CERT_PATH}` };
}

const hasSecrets = (v: unknown): v is SignOptions['secret'] =>
  Array.isArray((v as { secrets?: unknown } | undefined)?.secrets) &&
  (v as { secrets: unknown[] }).secrets.length > 0;

function missingSecret(name: string, file: string, provider: string, source: string | undefined): CliError {
  const fix = source
    ? `add "${name}": {"secrets": ["<signing secret>"]} to it (the running service re-reads it), or pass --create-source to add a generated one`
    : `restart npm start once to add the dev secrets, or add "${name}": {"secrets": ["<signing secret>"]} to it`;
  return new CliError(`No secret "${name}" for ${provider} in ${file}: ${fix}`);
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

async function post(url: string, signed: ReturnType<typeof signWebhook>): Promise<Response> {
  try {
    return await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
  } catch (err) {
    throw new CliError(
      `Cannot reach ${new URL(url).origin} (${causeOf(err)}): start the service with npm start, or pass --url with the address it printed`,
    );
  }
}

await runCli(main);

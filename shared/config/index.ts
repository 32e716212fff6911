// zod/mini: config is parsed in every function at cold start, including the webhook hot path.
import * as z from 'zod/mini';
import { HookbridgeError } from '../errors.js';

const bool = z.stringbool();
const int = (min: number, max: number, def: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(min), z.lte(max)), def);

/** Every environment variable the functions read, validated once at cold start. */
export const ConfigSchema = z.object({
  HOOKBRIDGE_TABLE: z
    .string()
    .check(z.minLength(3), z.maxLength(255), z.regex(/^[A-Za-z0-9_.-]+$/, 'must be a DynamoDB table name')),
  HOOKBRIDGE_DYNAMODB_ENDPOINT: z.optional(z.url()),
  HOOKBRIDGE_SECRETS_BACKEND: z._default(z.enum(['secrets-manager', 'file']), 'secrets-manager'),
  HOOKBRIDGE_SECRETS_FILE: z._default(z.string().check(z.minLength(1)), '.hookbridge/secrets.json'),
  HOOKBRIDGE_API_KEY: z.optional(z.string().check(z.minLength(16, 'must be at least 16 characters'))),
  HOOKBRIDGE_PUBLIC_URL: z.optional(z.url()),
  // Never below a week: providers retry for days (Stripe 3, Shopify 2, PayPal 3), and the dedupe record must outlive them.
  HOOKBRIDGE_EVENT_RETENTION_DAYS: int(7, 3650, 30),
  HOOKBRIDGE_SECRETS_CACHE_SECONDS: int(0, 300, 300),
  HOOKBRIDGE_LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
  HOOKBRIDGE_LOCAL: z._default(bool, false),
  AWS_REGION: z._default(z.string(), 'us-east-1'),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parse the environment; a bad value fails fast with an error that names the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const name = String(i.path[0] ?? '?');
    return `${name}: ${i.code === 'invalid_type' && cleaned[name] === undefined ? 'is required' : i.message}`;
  });
  throw new HookbridgeError('misconfigured', `Invalid configuration: ${problems.join('; ')}`, {
    extensions: { variables: [...new Set(parsed.error.issues.map((i) => String(i.path[0])))] },
  });
}

import * as z from 'zod';
import { HookbridgeError } from '../errors.js';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every environment variable the functions read, validated once at cold start. */
export const ConfigSchema = z.object({
  HOOKBRIDGE_TABLE: z
    .string()
    .min(3)
    .max(255)
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be a DynamoDB table name'),
  HOOKBRIDGE_DYNAMODB_ENDPOINT: z.url().optional(),
  HOOKBRIDGE_SECRETS_BACKEND: z.enum(['secrets-manager', 'file']).default('secrets-manager'),
  HOOKBRIDGE_SECRETS_FILE: z.string().min(1).default('.hookbridge/secrets.json'),
  HOOKBRIDGE_SECRETS_PREFIX: z.string().default('hookbridge/'),
  HOOKBRIDGE_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  HOOKBRIDGE_PUBLIC_URL: z.url().optional(),
  HOOKBRIDGE_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  HOOKBRIDGE_SECRETS_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(300),
  HOOKBRIDGE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  HOOKBRIDGE_LOCAL: bool.default(false),
  AWS_REGION: z.string().default('us-east-1'),
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

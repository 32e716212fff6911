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
  // Delivery pipeline: the queue and bus the stack creates; without them sends fail as misconfigured
  // and bus entries are only recorded.
  HOOKBRIDGE_DELIVERY_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  HOOKBRIDGE_EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  // `off` (`-c eventBus=false`): nothing is published to the bus, not even recorded; no bus markers.
  HOOKBRIDGE_EVENT_BUS: z._default(z.enum(['on', 'off'], 'must be on or off'), 'on'),
  // The dead-letter queues' URLs, comma-separated: GET /health/pipeline reports their depth.
  HOOKBRIDGE_DEAD_LETTER_QUEUE_URLS: z.optional(z.string().check(z.minLength(1))),
  HOOKBRIDGE_DELIVERY_TIMEOUT_MS: int(1, 900_000, 10_000),
  // Outbound calls (proxy, OAuth, delivery): defaults keep every call inside API Gateway's 30 s.
  HOOKBRIDGE_PROXY_CONNECT_TIMEOUT_MS: int(50, 10_000, 3_000),
  HOOKBRIDGE_PROXY_TIMEOUT_MS: int(100, 28_000, 25_000),
  HOOKBRIDGE_PROXY_MAX_ATTEMPTS: int(1, 5, 3),
  HOOKBRIDGE_PROXY_MAX_RETRY_WAIT_MS: int(0, 20_000, 5_000),
  HOOKBRIDGE_PROXY_BACKOFF_BASE_MS: int(1, 5_000, 100),
  // Bodies go back base64-encoded (4/3 larger) inside Lambda's 6 MB response: 4 MB leaves room.
  HOOKBRIDGE_PROXY_MAX_RESPONSE_BYTES: int(1024, 4 * 1024 * 1024 + 256 * 1024, 4 * 1024 * 1024),
  /** Test-only: comma-separated `host:port` pairs the SSRF address check lets through (local mode only). */
  HOOKBRIDGE_TEST_ALLOW_HOSTS: z.optional(z.string()),
  /**
   * Local mode only: destinations, integrations and providers on loopback (127.0.0.0/8, ::1,
   * localhost; any port, http too) pass the SSRF guard. `npm start` turns it on; ignored outside local mode.
   */
  HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: z._default(bool, false),
  /** Test-only: the PEM root PayPal certificate chains are checked against (local mode only). */
  HOOKBRIDGE_TEST_TRUST_ROOT_PEM: z.optional(z.string()),
  /**
   * Local mode only: the root of the local runtime's PayPal stand-in (a dev CA made on the first
   * `npm start`, which sets this from the secrets file); ignored outside local mode.
   */
  HOOKBRIDGE_LOCAL_PAYPAL_ROOT_PEM: z.optional(z.string()),
  /**
   * Local mode only: the issuer of the dev OpenID provider the local runtime serves at /dev-oauth
   * (`npm start` sets it once it listens); `provider: "dev"` integrations use it. Ignored outside local mode.
   */
  HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER: z.optional(z.url({ protocol: /^http$/, hostname: /^127\.0\.0\.1$/ })),
});

export type Config = z.infer<typeof ConfigSchema>;

/** The local runtime's dev OpenID provider, when this is local mode and it is running. */
export const devOAuthIssuer = (
  c: Pick<Config, 'HOOKBRIDGE_LOCAL' | 'HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER'>,
): string | undefined => (c.HOOKBRIDGE_LOCAL ? c.HOOKBRIDGE_LOCAL_DEV_OAUTH_ISSUER : undefined);

/** Parse the environment; a bad value fails fast with an error that names the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseSettings(ConfigSchema, env);
}

/** Validates `env` against `schema` (all of Config, or a slice of it); errors name each variable. */
export function parseSettings<S extends z.ZodMiniType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data as z.infer<S>;
  const problems = parsed.error.issues.map((i) => {
    const name = String(i.path[0] ?? '?');
    return `${name}: ${i.code === 'invalid_type' && cleaned[name] === undefined ? 'is required' : i.message}`;
  });
  throw new HookbridgeError('misconfigured', `Invalid configuration: ${problems.join('; ')}`, {
    extensions: { variables: [...new Set(parsed.error.issues.map((i) => String(i.path[0])))] },
  });
}

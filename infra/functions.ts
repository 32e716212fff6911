/**
 * Per-function settings for the CDK stack. Every function named in the route table (and every
 * non-HTTP function) has an entry. Memory and timeout are chosen per function; the reason is
 * written beside each.
 */
import {
  ADMIN_SECRET_NAME,
  API_KEY_SECRETS_PREFIX,
  OAUTH_SECRETS_PREFIX,
  VAULT_SECRET_NAME,
  WEBHOOK_SECRETS_PREFIX,
} from '../shared/secret-names.js';
import { ROUTES } from './routes.js';

/** DynamoDB actions a function may be granted (on the table and its indexes). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'TransactWriteItems';

export interface FunctionSettings {
  description: string;
  memoryMb: number;
  timeoutSec: number;
  /**
   * The DynamoDB actions this function uses, exactly: the stack grants these and no others, and
   * the local runtime refuses any other call (infra/local/iam.ts), so the tests prove the list.
   */
  table: TableAction[];
  /** Secrets Manager name prefixes it may read (e.g. `hookbridge/webhooks/`). */
  secrets: string[];
  /** Why these numbers. */
  why: string;
  /** Run on an EventBridge schedule every N minutes (non-HTTP functions). */
  scheduleMinutes?: number;
  /**
   * Shared resources it sends to: the delivery queue (sqs:SendMessage) and the event bus
   * (events:PutEvents); `queue-stats`: reads the depth of the delivery queue and every dead-letter
   * queue (sqs:GetQueueAttributes on those queues only, for GET /health/pipeline).
   */
  uses?: ('delivery-queue' | 'event-bus' | 'queue-stats')[];
  /** Consumes the delivery queue. */
  consumesDeliveryQueue?: boolean;
}

/** The delivery side: reads and writes the table, reads no secret, enqueues attempts and publishes to the bus. */
const DELIVERY_WORKER = {
  table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  secrets: [],
  uses: ['delivery-queue', 'event-bus'],
} satisfies Pick<FunctionSettings, 'table' | 'secrets' | 'uses'>;

/**
 * A reconciler run: reads and leases its reconciler, lists events with an API-key integration's
 * key, and stores new events through the webhook's put (BatchGetItem reads a page's ids first).
 */
const RECONCILER_RUN = {
  table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  secrets: [API_KEY_SECRETS_PREFIX],
} satisfies Pick<FunctionSettings, 'table' | 'secrets'>;

export const FUNCTION_SETTINGS: Record<string, FunctionSettings> = {
  meta: {
    description: 'Health, OpenAPI document, and 404/405 for unmatched routes',
    memoryMb: 256,
    timeoutSec: 5,
    // Readiness: one GetItem on the table, one read of the admin secret (never shown).
    table: ['GetItem'],
    secrets: [ADMIN_SECRET_NAME],
    why: 'Readiness makes one table read and one secret read; 256 MB is enough CPU to serialise the cached OpenAPI document.',
  },
  'api-keys': {
    description: 'Admin: create, list and revoke API keys',
    memoryMb: 256,
    timeoutSec: 10,
    table: ['GetItem', 'PutItem', 'Query', 'UpdateItem'],
    secrets: [ADMIN_SECRET_NAME],
    why: 'One or two DynamoDB calls per request; rarely called.',
  },
  console: {
    description: 'The console: its page and assets, and sign-in (an API key for a session cookie)',
    memoryMb: 256,
    timeoutSec: 10,
    // Sign-in reads the key record and writes the session's; sign-out deletes it; "end all" lists them.
    // The session is sealed with a key derived from the admin secret.
    table: ['GetItem', 'PutItem', 'DeleteItem', 'Query'],
    secrets: [ADMIN_SECRET_NAME],
    why: 'Serves a ~100 KB page from memory and makes one key lookup and one session write per sign-in; rarely called.',
  },
  'webhooks-receive': {
    description: 'Receive provider webhooks: verify the signature, store each event exactly once',
    memoryMb: 1024,
    timeoutSec: 15,
    table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    secrets: [WEBHOOK_SECRETS_PREFIX],
    why: 'Hot path: CPU for HMAC and gzip of bodies up to 10 MB (1 GB = ~0.6 vCPU); a 10 MB body is up to 34 chunk puts.',
  },
  'events-api': {
    description: 'List and inspect received webhook events',
    memoryMb: 512,
    timeoutSec: 10,
    table: ['GetItem', 'Query'],
    secrets: [],
    why: 'Queries and gunzip of bodies up to 10 MB; rarely called.',
  },
  proxy: {
    description: 'Call third-party APIs as a connection or an integration (API key, client credentials)',
    memoryMb: 512,
    timeoutSec: 29,
    table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    secrets: [API_KEY_SECRETS_PREFIX, OAUTH_SECRETS_PREFIX, VAULT_SECRET_NAME],
    why: 'I/O-bound; 512 MB holds a 5 MB upstream body twice. 29 s = API Gateway’s 30 s limit minus 1 s, while HOOKBRIDGE_PROXY_TIMEOUT_MS (25 s) ends every call first. Read-write: refreshing a connection token takes a lease.',
  },
  oauth: {
    description: 'The OAuth dance for end users: /oauth/authorize and /oauth/callback',
    memoryMb: 512,
    timeoutSec: 15,
    table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    secrets: [OAUTH_SECRETS_PREFIX, VAULT_SECRET_NAME],
    why: 'Browser-facing and I/O-bound (discovery, token exchange, JWKS); 512 MB for fast JWE/JWS crypto at cold start. 15 s covers an 8 s token call plus JWKS.',
  },
  'connections-api': {
    description: 'Integrations, connect sessions, connections and fresh access tokens',
    memoryMb: 512,
    timeoutSec: 29,
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    secrets: [ADMIN_SECRET_NAME, OAUTH_SECRETS_PREFIX, VAULT_SECRET_NAME],
    why: 'The access-token route is latency-sensitive (cache hit = one DynamoDB read + a cached JWE open); a refresh may wait up to 20 s for another holder’s lease, inside API Gateway’s 30 s.',
  },
  'connections-refresher': {
    description: 'Scheduled (every 5 minutes): refreshes tokens near expiry and keeps idle connections alive',
    memoryMb: 512,
    timeoutSec: 300,
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    secrets: [OAUTH_SECRETS_PREFIX, VAULT_SECRET_NAME],
    why: 'Walks all connections in pages with bounded concurrency; 5 min matches its schedule, so runs never overlap for long (the lease makes overlap safe anyway).',
    scheduleMinutes: 5,
  },
  'reconcilers-api': {
    description: 'Reconcilers: configure, inspect and run the listing of providers’ events APIs (HTTP)',
    memoryMb: 512,
    timeoutSec: 29,
    ...RECONCILER_RUN,
    why: 'A manual run lists pages for up to 25 s (every outbound call ends by then), inside API Gateway’s 30 s; 512 MB holds a 100-event page and its gzip puts.',
  },
  reconciler: {
    description:
      'Scheduled (every 5 minutes): lists due reconcilers’ events APIs and stores events never received',
    memoryMb: 512,
    timeoutSec: 300,
    ...RECONCILER_RUN,
    why: 'I/O-bound: pages of up to 100 events, one batch read and the puts of new ones per page; stops taking pages 30 s before its 5 min timeout, which matches the schedule (the run lease keeps runs apart).',
    scheduleMinutes: 5,
  },
  'events-process': {
    description:
      'DynamoDB stream consumer: normalise new events, apply the read model, create deliveries, publish to the bus',
    memoryMb: 512,
    timeoutSec: 60,
    table: ['GetItem', 'Query', 'PutItem', 'DeleteItem', 'BatchWriteItem'],
    secrets: [],
    why: 'Batches of 10 events, each a few DynamoDB calls plus gunzip and JSON parse of bodies up to 10 MB; 60 s leaves room for a slow store with bisect retries. Needs sqs:SendMessage on the delivery queue and events:PutEvents on the bus.',
    uses: ['delivery-queue', 'event-bus'],
  },
  'deliveries-send': {
    description:
      'Delivery queue consumer: one signed HTTP attempt per message (or one bulk-replay page), retries via SQS delays',
    memoryMb: 256,
    timeoutSec: 30,
    ...DELIVERY_WORKER,
    why: 'Mostly waiting on the receiver (10 s per-attempt timeout, up to 10 messages in parallel); the queue visibility timeout must exceed 30 s. Needs sqs:SendMessage (reschedule) and events:PutEvents (replays republish).',
    consumesDeliveryQueue: true,
  },
  'delivery-api': {
    description: 'Destinations, pull messages, deliveries, replays and the payment read model (HTTP)',
    memoryMb: 256,
    timeoutSec: 29,
    ...DELIVERY_WORKER,
    uses: [...DELIVERY_WORKER.uses, 'queue-stats'],
    why: 'A few DynamoDB calls per request; single replays also enqueue (sqs:SendMessage) and republish (events:PutEvents). 29 s = API Gateway’s 30 s limit minus 1 s: a pull long-poll waits at most 20 s (PULL_MAX_WAIT_SEC), then reads its events.',
  },
};

/** API-key routes also read the key records and the bootstrap admin secret. */
const usesApiKeys = (fn: string): boolean => ROUTES.some((r) => r.fn === fn && r.auth === 'api-key');

export function tableActionsFor(fn: string): TableAction[] {
  const s = FUNCTION_SETTINGS[fn];
  if (!s) return [];
  return [...new Set<TableAction>([...s.table, ...(usesApiKeys(fn) ? (['GetItem'] as const) : [])])];
}

export function secretGrantsFor(fn: string): string[] {
  const s = FUNCTION_SETTINGS[fn];
  if (!s) return [];
  return [...new Set([...s.secrets, ...(usesApiKeys(fn) ? [ADMIN_SECRET_NAME] : [])])];
}

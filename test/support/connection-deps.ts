/**
 * `ConnectionDeps` for unit tests of the connections core: in-memory stores, a clock that only
 * moves when a test (or a `sleep`) moves it, a real vault with a generated key, client
 * credentials as a value, a scripted fetch standing in for the provider, and recorders for
 * log lines and app events.
 */
import { randomBytes } from 'node:crypto';
import { type ConnectionDeps, connectionCaches } from '../../shared/connections/deps.js';
import type { ConnectionRecord, TokenSet } from '../../shared/connections/model.js';
import type { AppEvent } from '../../shared/events/app-events.js';
import { type IntegrationConfig, integrationConfigSchema } from '../../shared/integrations/schema.js';
import type { Logger } from '../../shared/log.js';
import type { Fetch } from '../../shared/ports/index.js';
import { SecretCache } from '../../shared/secrets.js';
import { TokenVault } from '../../shared/vault/vault.js';
import { memoryStores } from './memory-stores.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown> | undefined;
}

export function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: LogLine['level']) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields });
  const log: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
  };
  return log;
}

/** One request the provider stand-in received, its form body parsed. */
export interface SeenRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  form: Record<string, string>;
}

export type ProviderRoute = (req: SeenRequest) => Response | Promise<Response>;

export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fetch that answers by exact URL (without query) and records every request; unknown URLs are 404. */
export function providerFetch(routes: Record<string, ProviderRoute>, seen: SeenRequest[]): Fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = typeof init?.body === 'string' ? init.body : '';
    const req: SeenRequest = {
      url: `${url.origin}${url.pathname}`,
      method: init?.method ?? 'GET',
      headers,
      form: Object.fromEntries(new URLSearchParams(body)),
    };
    seen.push(req);
    const route = routes[req.url];
    return route ? route(req) : json({ error: 'not_found' }, 404);
  }) as Fetch;
}

export interface ConnectionHarness {
  deps: ConnectionDeps;
  stores: ReturnType<typeof memoryStores>;
  vault: TokenVault;
  clock: { now: number };
  events: AppEvent[];
  logs: LogLine[];
  /** Every sleep the core asked for; a sleep moves the clock by its length. */
  sleeps: number[];
  /** Every request the provider stand-in received. */
  seen: SeenRequest[];
  /** Runs inside each sleep (e.g. another process finishing its refresh meanwhile). */
  onSleep?: (() => Promise<void> | void) | undefined;
  integration(id: string, config: Record<string, unknown>): Promise<void>;
  seal(tokens: TokenSet): Promise<string>;
  open(c: ConnectionRecord | undefined): Promise<TokenSet>;
}

/** A stored connection of integration `stub` (the sealed tokens are a placeholder unless given). */
export const connectionRecord = (now: number, over: Partial<ConnectionRecord> = {}): ConnectionRecord => ({
  id: 'conn_x',
  integrationId: 'stub',
  provider: 'oauth2',
  endUserId: 'u1',
  status: 'active',
  scopes: ['read'],
  metadata: {},
  providerMetadata: { region: 'eu' },
  tokens: 'jwe',
  kid: 'k1',
  hasRefreshToken: true,
  expiresAt: now + 60_000,
  version: 1,
  refreshFailures: 0,
  createdAt: new Date(now - 86_400_000).toISOString(),
  updatedAt: new Date(now - 86_400_000).toISOString(),
  ...over,
});

export const CLIENT = { clientId: 'client-1', clientSecret: 'secret-1' };

/** The provider stand-in answers by `routes`; `seen` records what it was asked. */
export function connectionHarness(now: number, routes: Record<string, ProviderRoute>): ConnectionHarness {
  const clock = { now };
  const seen: SeenRequest[] = [];
  const fetch = providerFetch(routes, seen);
  const stores = memoryStores(() => clock.now);
  const vault = new TokenVault({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } });
  const schema = integrationConfigSchema(false).config;
  const events: AppEvent[] = [];
  const logs: LogLine[] = [];
  const sleeps: number[] = [];
  const deps: ConnectionDeps = {
    store: stores.connections,
    integrations: stores.integrations,
    caches: connectionCaches(),
    secrets: new SecretCache({ kind: 'file', getSecret: async () => undefined }, { now: () => clock.now }),
    log: recordingLogger(logs),
    now: () => clock.now,
    fetch,
    async sleep(ms) {
      sleeps.push(ms);
      clock.now += ms;
      await h.onSleep?.();
    },
    tokenBudgetMs: 25_000,
    vault: async () => vault,
    reloadVault: async () => false,
    clientCredentials: async () => CLIENT,
    appEvents: { publish: async (e) => void events.push(e) },
    inflight: new Map(),
    integrationSchema: schema,
  };
  const h: ConnectionHarness = {
    deps,
    stores,
    vault,
    clock,
    events,
    logs,
    sleeps,
    seen,
    async integration(id, config) {
      const parsed: IntegrationConfig = schema.parse(config);
      await stores.integrations.put(id, parsed, new Date(clock.now).toISOString());
    },
    seal: (tokens) => vault.seal(tokens),
    open: async (c) => vault.open<TokenSet>(c!.tokens),
  };
  return h;
}

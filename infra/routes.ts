/**
 * THE route table: every HTTP route, the function that handles it and how it is authenticated.
 * The CDK stack creates API Gateway routes from it, the local gateway dispatches with it, the
 * handlers enforce its auth, and the OpenAPI document is generated from it.
 */
import { CONSOLE_API_PREFIX } from '../shared/console/session.js';
import type { RouteDef } from '../shared/http/route.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { connectionRoutes } from './routes/connections.js';
import { consoleRoutes } from './routes/console.js';
import { deliveryRoutes } from './routes/delivery.js';
import { eventRoutes } from './routes/events.js';
import { metaRoutes } from './routes/meta.js';
import { proxyRoutes } from './routes/proxy.js';
import { reconcilerRoutes } from './routes/reconcilers.js';
import { webhookRoutes } from './routes/webhooks.js';

export const ROUTES: readonly RouteDef[] = [
  ...metaRoutes,
  ...apiKeyRoutes,
  ...webhookRoutes,
  ...eventRoutes,
  ...proxyRoutes,
  ...connectionRoutes,
  ...deliveryRoutes,
  ...reconcilerRoutes,
  ...consoleRoutes,
];

/** Scopes the console never uses: calling third-party APIs and reading access tokens stay bearer-only. */
const NOT_FOR_THE_CONSOLE = new Set(['proxy', 'connections:token']);

/**
 * The API-key routes again under `/console/api` (where the console's cookie is sent), each to the
 * same function with the same scope: the handler reads the session cookie instead of a bearer key
 * (shared/http/lambda.ts). Served by API Gateway and the local gateway; not in the OpenAPI document.
 */
export const CONSOLE_API_ROUTES: readonly RouteDef[] = ROUTES.filter(
  (r) => r.auth === 'api-key' && !NOT_FOR_THE_CONSOLE.has(r.scope ?? ''),
).map((r) => ({ ...r, path: `${CONSOLE_API_PREFIX}${r.path}` }));

/** Every route API Gateway (and the local gateway) has: the table, then the console's mirror of it. */
export const GATEWAY_ROUTES: readonly RouteDef[] = [...ROUTES, ...CONSOLE_API_ROUTES];

/** Unmatched requests (API Gateway's `$default` route) go here for a 404 / 405 problem. */
export const DEFAULT_ROUTE_FN = 'meta';

export const routesFor = (fn: string): RouteDef[] => ROUTES.filter((r) => r.fn === fn);

/** Functions reached over HTTP, in table order. */
export const HTTP_FUNCTIONS: readonly string[] = [...new Set([...ROUTES.map((r) => r.fn), DEFAULT_ROUTE_FN])];

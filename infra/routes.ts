/**
 * THE route table: every HTTP route, the function that handles it and how it is authenticated.
 * The CDK stack creates API Gateway routes from it, the local gateway dispatches with it, the
 * handlers enforce its auth, and the OpenAPI document is generated from it.
 */
import type { RouteDef } from '../shared/http/route.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { connectionRoutes } from './routes/connections.js';
import { deliveryRoutes } from './routes/delivery.js';
import { eventRoutes } from './routes/events.js';
import { metaRoutes } from './routes/meta.js';
import { proxyRoutes } from './routes/proxy.js';
import { webhookRoutes } from './routes/webhooks.js';

export const ROUTES: readonly RouteDef[] = [
  ...metaRoutes,
  ...apiKeyRoutes,
  ...webhookRoutes,
  ...eventRoutes,
  ...proxyRoutes,
  ...connectionRoutes,
  ...deliveryRoutes,
];

/** Unmatched requests (API Gateway's `$default` route) go here for a 404 / 405 problem. */
export const DEFAULT_ROUTE_FN = 'meta';

export const routesFor = (fn: string): RouteDef[] => ROUTES.filter((r) => r.fn === fn);

/** Functions reached over HTTP, in table order. */
export const HTTP_FUNCTIONS: readonly string[] = [...new Set([...ROUTES.map((r) => r.fn), DEFAULT_ROUTE_FN])];

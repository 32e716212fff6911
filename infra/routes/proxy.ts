import * as z from 'zod/mini';
import type { RouteDef } from '../../shared/http/route.js';
import { IdParam } from '../../shared/schemas/common.js';
import { routeGroup } from './define.js';

/** The id before the upstream path (bounded like every id: it keys a store lookup). */
export const ConnectionProxyParams = z.object({ connectionId: IdParam });
export const IntegrationProxyParams = z.object({ integrationId: IdParam });

const upstream = {
  200: 'The provider’s response: its status, body and headers (hop-by-hop, auth and cookie headers removed)',
};

const errors = {
  400: 'invalid_request: no path below the API base URL',
  403: 'ssrf_blocked: the target is outside the allowed hosts or resolves to a refused address (reason)',
  404: 'not_found: no such connection or integration',
  409: 'needs_reauth (connectionId), or conflict: the integration cannot be proxied (not OAuth, no API base URL)',
  500: 'misconfigured: the integration’s secret is missing or malformed',
  502: 'upstream_error or token_exchange_failed: the provider could not be reached, or refused the credentials',
  504: 'upstream_timeout: the provider did not answer in time',
};

const proxy = routeGroup('proxy', 'proxy');

export const proxyRoutes: RouteDef[] = [
  proxy.any(
    '/proxy/integrations/{integrationId}/{path+}',
    'proxy',
    'Call the provider’s API as an API-key or client-credentials integration',
    {
      params: IntegrationProxyParams,
      responses: upstream,
      errors,
    },
  ),
  proxy.any(
    '/proxy/{connectionId}/{path+}',
    'proxy',
    'Call the provider’s API as a connection (its fresh OAuth token)',
    {
      params: ConnectionProxyParams,
      responses: upstream,
      errors,
    },
  ),
];

import type { RouteDef } from '../../shared/http/route.js';

const upstream = {
  200: 'The provider’s response: its status, body and headers (hop-by-hop, auth and cookie headers removed)',
};

export const proxyRoutes: RouteDef[] = [
  {
    method: 'ANY',
    path: '/proxy/integrations/{integrationId}/{path+}',
    fn: 'proxy',
    auth: 'api-key',
    scope: 'proxy',
    tag: 'proxy',
    summary: 'Call the provider’s API as an API-key or client-credentials integration',
    responses: upstream,
  },
  {
    method: 'ANY',
    path: '/proxy/{connectionId}/{path+}',
    fn: 'proxy',
    auth: 'api-key',
    scope: 'proxy',
    tag: 'proxy',
    summary: 'Call the provider’s API as a connection (its fresh OAuth token)',
    responses: upstream,
  },
];

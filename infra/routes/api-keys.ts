import type { RouteDef } from '../../shared/http/route.js';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey } from '../../shared/schemas/api-keys.js';
import { byId, routeGroup } from './define.js';

// Its own module: the api-keys bundle then holds none of the other routes' schemas.
const apiKeys = routeGroup('api-keys', 'api-keys');

export const apiKeyRoutes: RouteDef[] = [
  apiKeys.post('/api-keys', 'admin', 'Create a scoped API key; the key is returned once', {
    body: CreateApiKeyBody,
    responses: { 201: CreatedApiKey },
  }),
  apiKeys.get('/api-keys', 'admin', 'List API keys (never the keys themselves)', {
    responses: { 200: ApiKeyList },
  }),
  apiKeys.delete('/api-keys/{id}', 'admin', 'Revoke an API key', {
    ...byId('API key'),
    responses: { 204: 'Revoked' },
  }),
];

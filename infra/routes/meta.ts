import type { RouteDef } from '../../shared/http/route.js';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey } from '../../shared/schemas/api-keys.js';
import { Health, OpenApiDocument, Readiness } from '../../shared/schemas/meta.js';
import { byId, routeGroup } from './define.js';

const apiKeys = routeGroup('api-keys', 'api-keys');
const meta = routeGroup('meta', 'meta');

export const metaRoutes: RouteDef[] = [
  meta.get('/health', 'none', 'Liveness, and which store and secrets backends are in use', {
    responses: { 200: Health },
  }),
  meta.get('/health/ready', 'none', 'Readiness: the store and the secret store each answer within 2 s', {
    responses: { 200: Readiness },
    errors: {
      503: 'store_unavailable or secrets_unavailable: `checks` names each dependency as ok or down',
    },
  }),
  meta.get('/openapi.json', 'none', 'This API document (OpenAPI 3.1)', {
    responses: { 200: OpenApiDocument },
  }),
];

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

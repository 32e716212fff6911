import type { RouteDef } from '../../shared/http/route.js';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey } from '../../shared/schemas/api-keys.js';
import { Health, OpenApiDocument } from '../../shared/schemas/meta.js';

export const metaRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/health',
    fn: 'meta',
    auth: 'none',
    tag: 'meta',
    summary: 'Liveness, and which store and secrets backends are in use',
    responses: { 200: Health },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    fn: 'meta',
    auth: 'none',
    tag: 'meta',
    summary: 'This API document (OpenAPI 3.1)',
    responses: { 200: OpenApiDocument },
  },
];

export const apiKeyRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/api-keys',
    fn: 'api-keys',
    auth: 'api-key',
    scope: 'admin',
    tag: 'api-keys',
    summary: 'Create a scoped API key; the key is returned once',
    body: CreateApiKeyBody,
    responses: { 201: CreatedApiKey },
  },
  {
    method: 'GET',
    path: '/api-keys',
    fn: 'api-keys',
    auth: 'api-key',
    scope: 'admin',
    tag: 'api-keys',
    summary: 'List API keys (never the keys themselves)',
    responses: { 200: ApiKeyList },
  },
  {
    method: 'DELETE',
    path: '/api-keys/{id}',
    fn: 'api-keys',
    auth: 'api-key',
    scope: 'admin',
    tag: 'api-keys',
    summary: 'Revoke an API key',
    responses: { 204: 'Revoked' },
    errors: { 404: 'not_found: no API key with this id' },
  },
];

import { buildCore, type CoreContainer } from '../../infra/container/core.js';
import { httpLambda } from '../../infra/container/lambda.js';
import { apiKeyRoutes } from '../../infra/routes/api-keys.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../shared/auth/api-keys-service.js';
import { routesOf } from '../../shared/http/route.js';
import { json, noContent, parseJsonBody, parseParams } from '../../shared/http/types.js';
import { CreateApiKeyBody } from '../../shared/schemas/api-keys.js';
import { IdParams } from '../../shared/schemas/common.js';

export const handler = httpLambda(buildCore, routesOf(apiKeyRoutes, 'api-keys'), (c: CoreContainer) => ({
  'POST /api-keys': async (req) => json(201, await createApiKey(c, parseJsonBody(req, CreateApiKeyBody))),
  'GET /api-keys': async () => json(200, { items: await listApiKeys(c) }),
  'DELETE /api-keys/{id}': async (req) => {
    await revokeApiKey(c, parseParams(req, IdParams).id);
    return noContent();
  },
}));

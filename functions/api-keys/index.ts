import { apiKeyRoutes } from '../../infra/routes/meta.js';
import { generateApiKey } from '../../shared/auth/api-keys.js';
import { HookbridgeError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/lambda.js';
import { routesOf } from '../../shared/http/route.js';
import { json, noContent, parseJsonBody } from '../../shared/http/types.js';
import { runtime } from '../../shared/runtime.js';
import { CreateApiKeyBody } from '../../shared/schemas/api-keys.js';

export const handler = httpHandler(routesOf(apiKeyRoutes, 'api-keys'), {
  'POST /api-keys': async (req) => {
    const body = parseJsonBody(req, CreateApiKeyBody);
    const rt = runtime();
    const { id, key, hash } = generateApiKey();
    const rec = {
      id,
      name: body.name,
      scopes: [...new Set(body.scopes)],
      hash,
      createdAt: new Date(rt.clock.now()).toISOString(),
    };
    await rt.apiKeys.put(rec);
    rt.log.info('api key created', { keyId: id, scopes: rec.scopes });
    return json(201, { id, name: rec.name, scopes: rec.scopes, createdAt: rec.createdAt, key });
  },
  'GET /api-keys': async () => {
    const items = await runtime().apiKeys.list();
    return json(200, { items: items.map(({ hash: _hash, ...view }) => view) });
  },
  'DELETE /api-keys/{id}': async (req) => {
    const rt = runtime();
    const ok = await rt.apiKeys.revoke(req.pathParameters.id ?? '', new Date(rt.clock.now()).toISOString());
    if (!ok) throw new HookbridgeError('not_found', `No API key ${req.pathParameters.id}`);
    rt.log.info('api key revoked', { keyId: req.pathParameters.id });
    return noContent();
  },
});

import * as z from 'zod/mini';
import { connectionRoutes } from '../../infra/routes/connections.js';
import { connectionDeps } from '../../shared/connections/deps.js';
import { createConnectSession, deleteConnection } from '../../shared/connections/flow.js';
import type { ConnectionRecord } from '../../shared/connections/model.js';
import { getFreshAccessToken } from '../../shared/connections/tokens.js';
import { HookbridgeError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/lambda.js';
import { routesOf } from '../../shared/http/route.js';
import { json, parseJsonBody, parseParams, parseQuery } from '../../shared/http/types.js';
import {
  IntegrationConfig,
  type IntegrationRecord,
  integrationSecretName,
} from '../../shared/integrations/schema.js';
import { getProvider, normaliseShop } from '../../shared/oauth/providers.js';
import { IdParam } from '../../shared/schemas/common.js';
import { CreateConnectSessionBody, ListConnectionsQuery } from '../../shared/schemas/connections.js';

const Params = z.object({ id: IdParam });

const integrationView = (r: IntegrationRecord) => ({ ...r, secretName: integrationSecretName(r.id) });

/** Never tokens: the sealed JWE, kid, version and lease stay inside. */
const connectionView = (c: ConnectionRecord) => ({
  id: c.id,
  integrationId: c.integrationId,
  provider: c.provider,
  endUserId: c.endUserId,
  status: c.status,
  scopes: c.scopes,
  metadata: c.metadata,
  providerMetadata: c.providerMetadata,
  ...(c.expiresAt !== undefined ? { expiresAt: new Date(c.expiresAt).toISOString() } : {}),
  hasRefreshToken: c.hasRefreshToken,
  refreshFailures: c.refreshFailures,
  ...(c.lastError ? { lastError: c.lastError } : {}),
  ...(c.lastRefreshedAt ? { lastRefreshedAt: c.lastRefreshedAt } : {}),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const handler = httpHandler(routesOf(connectionRoutes, 'connections-api'), {
  'PUT /integrations/{id}': async (req) => {
    const { id } = parseParams(req, Params);
    const config = parseJsonBody(req, IntegrationConfig);
    if (config.type === 'oauth' && config.provider !== 'oidc' && config.provider !== 'oauth2') {
      const entry = getProvider(config.provider);
      // A bad body, not a missing resource: 400.
      if (!entry) throw new HookbridgeError('invalid_request', `No catalog provider "${config.provider}"`);
      if (entry.slug === 'shopify' && config.params.shop !== undefined) {
        const shop = normaliseShop(config.params.shop);
        if (!shop) throw new HookbridgeError('invalid_request', 'params.shop is not a Shopify shop name');
        config.params.shop = shop; // `mystore`, so {shop}.myshopify.com is right
      }
      const missing = entry.params.filter((p) => !config.params[p]);
      if (missing.length) {
        throw new HookbridgeError(
          'invalid_request',
          `Provider "${entry.slug}" needs params: ${missing.join(', ')}`,
        );
      }
    }
    const d = connectionDeps();
    const { record, created } = await d.integrations.put(id, config, new Date(d.now()).toISOString());
    return json(created ? 201 : 200, integrationView(record));
  },
  'GET /integrations/{id}': async (req) => {
    const { id } = parseParams(req, Params);
    const rec = await connectionDeps().integrations.get(id);
    if (!rec) throw new HookbridgeError('not_found', `No integration ${id}`);
    return json(200, integrationView(rec));
  },
  'GET /integrations': async () => {
    const { items } = await connectionDeps().integrations.list(100);
    return json(200, { items: items.map(integrationView) });
  },
  'POST /connect-sessions': async (req) => {
    const body = parseJsonBody(req, CreateConnectSessionBody);
    const out = await createConnectSession(connectionDeps(), body, req.baseUrl);
    return json(201, out);
  },
  'GET /connections': async (req) => {
    const q = parseQuery(req, ListConnectionsQuery);
    const { items, cursor: nextCursor } = await connectionDeps().store.list(q);
    return json(200, { items: items.map(connectionView), ...(nextCursor ? { nextCursor } : {}) });
  },
  'GET /connections/{id}': async (req) => {
    const { id } = parseParams(req, Params);
    const c = await connectionDeps().store.get(id);
    if (!c) throw new HookbridgeError('not_found', `No connection ${id}`);
    return json(200, connectionView(c));
  },
  'DELETE /connections/{id}': async (req) => {
    const { id } = parseParams(req, Params);
    const out = await deleteConnection(connectionDeps(), id);
    return json(200, {
      id,
      deleted: true,
      revokedAtProvider: out.revoked,
      ...(out.revocationError ? { revocationError: out.revocationError } : {}),
    });
  },
  'GET /connections/{id}/access-token': async (req) => {
    const { id } = parseParams(req, Params);
    return json(200, await getFreshAccessToken(id), { 'cache-control': 'no-store' });
  },
});

import * as z from 'zod/mini';
import { buildConnectionsContainer, type ConnectionsContainer } from '../../infra/container/connections.js';
import { httpLambda } from '../../infra/container/lambda.js';
import { connectionRoutes } from '../../infra/routes/connections.js';
import { createConnectSession, deleteConnection, revocationView } from '../../shared/connections/flow.js';
import { getFreshAccessToken } from '../../shared/connections/tokens.js';
import {
  checkIntegration,
  checkOidcIssuer,
  connectionView,
  integrationView,
} from '../../shared/connections/views.js';
import { HookbridgeError } from '../../shared/errors.js';
import type { RouteImpl } from '../../shared/http/lambda.js';
import { routesOf } from '../../shared/http/route.js';
import { json, pageBody, parseJsonBody, parseParams, parseQuery } from '../../shared/http/types.js';
import { IdParam } from '../../shared/schemas/common.js';
import { CreateConnectSessionBody, ListConnectionsQuery } from '../../shared/schemas/connections.js';

const Params = z.object({ id: IdParam });

const impls = ({ connections: d }: ConnectionsContainer): Record<string, RouteImpl> => ({
  'PUT /integrations/{id}': async (req) => {
    const { id } = parseParams(req, Params);
    const config = checkIntegration(parseJsonBody(req, d.integrationSchema));
    await checkOidcIssuer(d, config);
    const { record, created } = await d.integrations.put(id, config, new Date(d.now()).toISOString());
    return json(created ? 201 : 200, integrationView(record));
  },
  'GET /integrations/{id}': async (req) => {
    const { id } = parseParams(req, Params);
    const rec = await d.integrations.get(id);
    if (!rec) throw new HookbridgeError('not_found', `No integration ${id}`);
    return json(200, integrationView(rec));
  },
  'GET /integrations': async () => {
    const { items } = await d.integrations.list(100);
    return json(200, { items: items.map(integrationView) });
  },
  'POST /connect-sessions': async (req) =>
    json(201, await createConnectSession(d, parseJsonBody(req, CreateConnectSessionBody), req.baseUrl)),
  'GET /connections': async (req) => {
    return json(
      200,
      pageBody(await d.store.list(parseQuery(req, ListConnectionsQuery)), (c) => connectionView(c, d.now())),
    );
  },
  'GET /connections/{id}': async (req) => {
    const { id } = parseParams(req, Params);
    const c = await d.store.get(id);
    if (!c) throw new HookbridgeError('not_found', `No connection ${id}`);
    return json(200, connectionView(c, d.now()));
  },
  'DELETE /connections/{id}': async (req) => {
    const { id } = parseParams(req, Params);
    const out = await deleteConnection(d, id);
    return json(200, {
      id,
      deleted: true,
      revokedAtProvider: out.revoked,
      ...(out.revocationError ? { revocationError: out.revocationError } : {}),
      ...(out.revocationRetry ? { revocationRetry: out.revocationRetry } : {}),
    });
  },
  'GET /connections/{id}/revocation': async (req) => {
    const { id } = parseParams(req, Params);
    const job = await d.store.getRevocation(id);
    if (!job) throw new HookbridgeError('not_found', `No revocation retry for connection ${id}`);
    return json(200, revocationView(job));
  },
  'GET /connections/{id}/access-token': async (req) => {
    const { id } = parseParams(req, Params);
    return json(200, await getFreshAccessToken(d, id), { 'cache-control': 'no-store' });
  },
});

export const handler = httpLambda(
  buildConnectionsContainer,
  routesOf(connectionRoutes, 'connections-api'),
  impls,
);

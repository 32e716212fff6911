import { buildCore, type CoreContainer } from '../../infra/container/core.js';
import { httpLambda } from '../../infra/container/lambda.js';
import { DEFAULT_ROUTE_FN, ROUTES, routesFor } from '../../infra/routes.js';
import { eventTypeCatalog } from '../../shared/events/catalog.js';
import { buildOpenApi } from '../../shared/http/openapi.js';
import { json } from '../../shared/http/types.js';
import { checkReadiness } from '../../shared/readiness.js';
import { ADMIN_SECRET_NAME } from '../../shared/secret-names.js';
import { VERSION } from '../../shared/version.js';

const impls = ({ config, secrets, clock, storeProbe }: CoreContainer) => {
  let openapi: string | undefined;
  return {
    'GET /health': () =>
      json(200, {
        status: 'ok',
        version: VERSION,
        store: config.HOOKBRIDGE_DYNAMODB_ENDPOINT ? 'dynalite' : 'dynamodb',
        secrets: secrets.store.kind,
        time: new Date(clock.now()).toISOString(),
      }),
    // The admin secret is read (through the cache, as every caller reads it), never shown.
    'GET /health/ready': async () =>
      json(
        200,
        await checkReadiness({
          store: () => storeProbe.ping(),
          secrets: () => secrets.get(ADMIN_SECRET_NAME),
        }),
      ),
    'GET /event-types': () => json(200, { items: eventTypeCatalog() }),
    'GET /openapi.json': (req: { baseUrl: string }) => {
      openapi ??= JSON.stringify(buildOpenApi(ROUTES, { version: VERSION, serverUrl: req.baseUrl }));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: openapi };
    },
  };
};

export const handler = httpLambda(buildCore, routesFor(DEFAULT_ROUTE_FN), impls, ROUTES);

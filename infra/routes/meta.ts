import type { RouteDef } from '../../shared/http/route.js';
import { EventTypeList, Health, OpenApiDocument, Readiness } from '../../shared/schemas/meta.js';
import { routeGroup } from './define.js';

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
  meta.get(
    '/event-types',
    'none',
    'The event catalog: every type a destination can receive, with its JSON Schema and an example',
    { responses: { 200: EventTypeList } },
  ),
  meta.get('/openapi.json', 'none', 'This API document (OpenAPI 3.1)', {
    responses: { 200: OpenApiDocument },
  }),
];

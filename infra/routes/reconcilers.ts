import * as z from 'zod/mini';
import type { RouteDef } from '../../shared/http/route.js';
import { IdParam, PageQuery } from '../../shared/schemas/common.js';
import { PutReconcilerBody, ReconcilerList, ReconcilerView } from '../../shared/schemas/reconcilers.js';
import { badCursor, routeGroup } from './define.js';

/**
 * The first segment is named `id` on every route: API Gateway refuses two names at one level. On
 * the PUT routes it is the provider (the default source's reconciler has the provider as its id).
 */
export const ProviderParams = z.object({
  id: z
    .string()
    .check(
      z.regex(
        /^[a-z0-9-]{1,64}$/,
        'must be a provider (stripe, paddle); a source’s reconciler is PUT /reconcilers/{provider}/{sourceId}',
      ),
      z.describe('The provider (stripe, paddle)'),
    ),
});
export const SourceParams = z.extend(ProviderParams, {
  sourceId: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -')),
});
export const ReconcilerParams = z.object({
  id: IdParam.check(z.describe('`{provider}` (default source) or `{provider}:{sourceId}`')),
});

const put = {
  body: PutReconcilerBody,
  responses: { 200: ReconcilerView, 201: ReconcilerView },
  errors: {
    400: 'invalid_request: the provider has no events API (the supported ones are named), or integrationId is not an api-key integration',
    404: 'unknown_provider: no such webhook provider; not_found: no integration integrationId',
  },
};
const noReconciler = { 404: 'not_found: no reconciler with this id' };

const reconcilers = routeGroup('reconcilers-api', 'reconcilers');

export const reconcilerRoutes: RouteDef[] = [
  reconcilers.get(
    '/reconcilers',
    'events:read',
    'List reconcilers by id, with their checkpoints and last runs',
    {
      query: PageQuery,
      responses: { 200: ReconcilerList },
      errors: badCursor('this list'),
    },
  ),
  reconcilers.put(
    '/reconcilers/{id}',
    'integrations:write',
    'Create or replace the reconciler of a provider’s default source: list its events API for events never received',
    { params: ProviderParams, ...put },
  ),
  reconcilers.put(
    '/reconcilers/{id}/{sourceId}',
    'integrations:write',
    'Create or replace the reconciler of one webhook source (its events are stored under that source)',
    { params: SourceParams, ...put },
  ),
  reconcilers.get(
    '/reconcilers/{id}',
    'events:read',
    'A reconciler: settings, checkpoint, the run under way and the last run',
    {
      params: ReconcilerParams,
      responses: { 200: ReconcilerView },
      errors: noReconciler,
    },
  ),
  reconcilers.post(
    '/reconcilers/{id}/run',
    'integrations:write',
    'Run a reconciler now (up to about 20 s; a run that stops early resumes on the next run) and answer it afterwards',
    {
      params: ReconcilerParams,
      responses: { 200: ReconcilerView },
      errors: { ...noReconciler, 409: 'conflict: a run of this reconciler is in progress' },
    },
  ),
];

import { httpLambda } from '../../infra/container/lambda.js';
import { buildReconcileContainer, type ReconcileContainer } from '../../infra/container/reconcile.js';
import {
  ProviderParams,
  ReconcilerParams,
  reconcilerRoutes,
  SourceParams,
} from '../../infra/routes/reconcilers.js';
import { routesOf } from '../../shared/http/route.js';
import {
  type HttpRequest,
  json,
  pageBody,
  parseJsonBody,
  parseParams,
  parseQuery,
} from '../../shared/http/types.js';
import { saveReconciler } from '../../shared/reconcile/reconcilers.js';
import { getReconciler, runReconciler } from '../../shared/reconcile/run.js';
import { PageQuery } from '../../shared/schemas/common.js';
import { PutReconcilerBody } from '../../shared/schemas/reconcilers.js';

/** A manual run's budget: inside API Gateway's 30 s (and the function's 29 s), every call included. */
const MANUAL_RUN_MS = 25_000;

const impls = ({ reconcile: deps }: ReconcileContainer) => {
  const save = async (req: HttpRequest, provider: string, sourceId?: string) => {
    const body = parseJsonBody(req, PutReconcilerBody);
    const { reconciler, created } = await saveReconciler(deps, provider, sourceId, body);
    return json(created ? 201 : 200, reconciler);
  };
  return {
    'GET /reconcilers': async (req: HttpRequest) => {
      const { limit, cursor } = parseQuery(req, PageQuery);
      return json(200, pageBody(await deps.reconcilers.list(limit, cursor)));
    },
    'PUT /reconcilers/{id}': async (req: HttpRequest) => save(req, parseParams(req, ProviderParams).id),
    'PUT /reconcilers/{id}/{sourceId}': async (req: HttpRequest) => {
      const { id, sourceId } = parseParams(req, SourceParams);
      return save(req, id, sourceId);
    },
    'GET /reconcilers/{id}': async (req: HttpRequest) =>
      json(200, await getReconciler(deps, parseParams(req, ReconcilerParams).id)),
    'POST /reconcilers/{id}/run': async (req: HttpRequest) => {
      const { id } = parseParams(req, ReconcilerParams);
      return json(
        200,
        await runReconciler(deps, id, { trigger: 'manual', deadline: deps.now() + MANUAL_RUN_MS }),
      );
    },
  };
};

export const handler = httpLambda(
  buildReconcileContainer,
  routesOf(reconcilerRoutes, 'reconcilers-api'),
  impls,
);

import { buildDeliveryContainer, type DeliveryContainer } from '../../infra/container/delivery.js';
import { httpLambda } from '../../infra/container/lambda.js';
import { deliveryRoutes } from '../../infra/routes/delivery.js';
import {
  deleteDestination,
  destinationDeliveries,
  destinationDeliveryView,
  destinationView,
  eventDeliveries,
  getDestination,
  listDestinations,
  saveDestination,
} from '../../shared/delivery/destinations.js';
import { pipelineHealth } from '../../shared/delivery/health.js';
import { pullMessages } from '../../shared/delivery/pull.js';
import { findObject } from '../../shared/delivery/read-model.js';
import {
  getReplay,
  listReplays,
  newReplayId,
  redrive,
  replayEvent,
  startReplay,
} from '../../shared/delivery/replay.js';
import { HookbridgeError } from '../../shared/errors.js';
import { routesOf } from '../../shared/http/route.js';
import {
  type HttpRequest,
  json,
  noContent,
  pageBody,
  parseJsonBody,
  parseQuery,
} from '../../shared/http/types.js';
import { IdParam, PageQuery } from '../../shared/schemas/common.js';
import {
  DestinationDeliveriesQuery,
  PipelineHealthQuery,
  ProviderQuery,
  PullQuery,
  PutDestinationBody,
  ReplayEventBody,
  StartReplayBody,
} from '../../shared/schemas/delivery.js';

const idOf = (req: HttpRequest): string => {
  const parsed = IdParam.safeParse(req.pathParameters.id);
  if (!parsed.success) throw new HookbridgeError('invalid_request', `id: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
};

const optionalBody = <T>(req: HttpRequest, schema: Parameters<typeof parseJsonBody<T>>[1], empty: T): T =>
  req.rawBody.toString('utf8').trim() === '' ? empty : parseJsonBody(req, schema);

const impls = ({ delivery: deps }: DeliveryContainer) => {
  const object = (objectType: 'payment' | 'subscription') => async (req: HttpRequest) =>
    json(200, await findObject(deps, objectType, idOf(req), parseQuery(req, ProviderQuery).provider));
  return {
    'GET /health/pipeline': async (req: HttpRequest) =>
      json(200, await pipelineHealth(deps, parseQuery(req, PipelineHealthQuery)), {
        'cache-control': 'no-store',
      }),
    'PUT /destinations/{id}': async (req: HttpRequest) => {
      const { destination, created } = await saveDestination(
        deps,
        idOf(req),
        parseJsonBody(req, PutDestinationBody),
      );
      return json(created ? 201 : 200, destinationView(destination));
    },
    'GET /destinations': async (req: HttpRequest) =>
      json(200, pageBody(await listDestinations(deps, parseQuery(req, PageQuery)), destinationView)),
    'GET /destinations/{id}': async (req: HttpRequest) =>
      json(200, destinationView(await getDestination(deps, idOf(req)))),
    'DELETE /destinations/{id}': async (req: HttpRequest) => {
      await deleteDestination(deps, idOf(req));
      return noContent();
    },
    'GET /destinations/{id}/messages': async (req: HttpRequest) => {
      const query = parseQuery(req, PullQuery);
      return json(200, await pullMessages(deps, await getDestination(deps, idOf(req)), query));
    },
    'GET /destinations/{id}/deliveries': async (req: HttpRequest) => {
      const q = parseQuery(req, DestinationDeliveriesQuery);
      return json(200, pageBody(await destinationDeliveries(deps, idOf(req), q), destinationDeliveryView));
    },
    'POST /destinations/{id}/redrive': async (req: HttpRequest) =>
      json(202, { queued: await redrive(deps, idOf(req), newReplayId()) }),
    'GET /events/{id}/deliveries': async (req: HttpRequest) =>
      json(200, { items: await eventDeliveries(deps, idOf(req)) }),
    'POST /events/{id}/replay': async (req: HttpRequest) => {
      const id = idOf(req);
      const body = optionalBody(req, ReplayEventBody, {});
      return json(202, { queued: await replayEvent(deps, id, newReplayId(), body.destinationId) });
    },
    'POST /replays': async (req: HttpRequest) => {
      const { job, created } = await startReplay(deps, parseJsonBody(req, StartReplayBody));
      return json(created ? 202 : 200, job);
    },
    'GET /replays': async (req: HttpRequest) =>
      json(200, pageBody(await listReplays(deps, parseQuery(req, PageQuery)))),
    'GET /replays/{id}': async (req: HttpRequest) => json(200, await getReplay(deps, idOf(req))),
    'GET /payments/{id}': object('payment'),
    'GET /subscriptions/{id}': object('subscription'),
    'GET /customers/{id}/subscriptions': async (req: HttpRequest) => {
      const { provider } = parseQuery(req, ProviderQuery);
      return json(200, { items: await deps.readModel.customerSubscriptions(idOf(req), provider) });
    },
  };
};

export const handler = httpLambda(buildDeliveryContainer, routesOf(deliveryRoutes, 'delivery-api'), impls);

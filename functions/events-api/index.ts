import * as z from 'zod/mini';
import { buildEvents, type EventsContainer } from '../../infra/container/core.js';
import { httpLambda } from '../../infra/container/lambda.js';
import { eventRoutes } from '../../infra/routes/events.js';
import { eventDetail, eventSummary } from '../../shared/events/views.js';
import { routesOf } from '../../shared/http/route.js';
import { json, pageBody, parseParams, parseQuery } from '../../shared/http/types.js';
import { IdParam } from '../../shared/schemas/common.js';
import { ListEventsQuery } from '../../shared/schemas/events.js';

const Params = z.object({ id: IdParam });

export const handler = httpLambda(buildEvents, routesOf(eventRoutes, 'events-api'), (c: EventsContainer) => ({
  'GET /events': async (req) => {
    const { cursor, ...filters } = parseQuery(req, ListEventsQuery);
    return json(200, pageBody(await c.events.list(filters, cursor), eventSummary));
  },
  'GET /events/{id}': async (req) => json(200, await eventDetail(c.events, parseParams(req, Params).id)),
}));

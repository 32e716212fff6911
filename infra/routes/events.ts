import type { RouteDef } from '../../shared/http/route.js';
import { EventDetail, EventList, ListEventsQuery } from '../../shared/schemas/events.js';
import { badCursor, byId, routeGroup } from './define.js';

// Its own module: the events-api bundle then holds none of the webhook routes' schemas.
const events = routeGroup('events-api', 'events');

export const eventRoutes: RouteDef[] = [
  events.get(
    '/events',
    'events:read',
    'List received events, newest first, filtered by provider, source, type, provider event id and time range',
    {
      query: ListEventsQuery,
      responses: { 200: EventList },
      errors: badCursor('these filters'),
    },
  ),
  events.get('/events/{id}', 'events:read', 'One event with its raw body and verification details', {
    ...byId('event'),
    responses: { 200: EventDetail },
  }),
];

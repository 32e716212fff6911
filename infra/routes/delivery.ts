import type { RouteDef } from '../../shared/http/route.js';
import { IdParams, PageQuery } from '../../shared/schemas/common.js';
import {
  DeliveryList,
  DestinationDeliveriesQuery,
  DestinationDeliveryList,
  DestinationList,
  DestinationView,
  PaymentObjectList,
  PaymentObjectView,
  PipelineHealth,
  PipelineHealthQuery,
  ProviderQuery,
  PullMessageList,
  PullQuery,
  PutDestinationBody,
  Queued,
  ReplayEventBody,
  ReplayList,
  ReplayView,
  StartReplayBody,
} from '../../shared/schemas/delivery.js';
import { badCursor, byId, routeGroup } from './define.js';

const fn = 'delivery-api';
const params = IdParams;
const noDestination = 'not_found: no destination with this id';

const destinations = routeGroup(fn, 'destinations');
const events = routeGroup(fn, 'events');
const payments = routeGroup(fn, 'payments');
const health = routeGroup(fn, 'meta');

/** One normalised object of the read model, by the provider's own id. */
const readModelObject = {
  params,
  query: ProviderQuery,
  responses: { 200: PaymentObjectView },
  errors: {
    404: 'not_found: no such object (for that provider)',
    409: 'conflict: several providers have an object with this id (listed in providers); pass ?provider=',
  },
};

export const deliveryRoutes: RouteDef[] = [
  destinations.get(
    '/destinations',
    'destinations:write',
    'List destinations by id, with their signing secrets and status',
    {
      query: PageQuery,
      responses: { 200: DestinationList },
      errors: badCursor('this list'),
    },
  ),
  destinations.put(
    '/destinations/{id}',
    'destinations:write',
    'Create or replace a destination: signed HTTP POSTs to url, or pull (secret generated when absent)',
    {
      params,
      body: PutDestinationBody,
      responses: { 200: DestinationView, 201: DestinationView },
      errors: {
        400: 'invalid_request on url names the refused part in reason (scheme, userinfo, private, …), or that a pull destination has none',
      },
    },
  ),
  destinations.get(
    '/destinations/{id}',
    'destinations:write',
    'A destination, with its signing secret and status',
    {
      params,
      responses: { 200: DestinationView },
      errors: { 404: noDestination },
    },
  ),
  destinations.delete(
    '/destinations/{id}',
    'destinations:write',
    'Delete a destination; its pending deliveries are dead-lettered',
    {
      params,
      responses: { 204: 'Deleted' },
      errors: { 404: noDestination },
    },
  ),
  destinations.get(
    '/destinations/{id}/messages',
    'destinations:write',
    "A pull destination's messages after a cursor, in delivery order; waits up to `wait` seconds for one",
    {
      params,
      query: PullQuery,
      responses: { 200: PullMessageList },
      errors: {
        ...badCursor('this list'),
        404: noDestination,
        409: 'conflict: the destination is an http destination, not a pull one',
      },
    },
  ),
  destinations.get(
    '/destinations/{id}/deliveries',
    'destinations:write',
    "A destination's dead letters (or its pending deliveries), with the last attempt's status and error",
    {
      params,
      query: DestinationDeliveriesQuery,
      responses: { 200: DestinationDeliveryList },
      errors: { ...badCursor('this list'), 404: noDestination },
    },
  ),
  destinations.post(
    '/destinations/{id}/redrive',
    'destinations:write',
    "Send the destination's dead-lettered deliveries again (same webhook-id)",
    {
      params,
      responses: { 202: Queued },
      errors: { 404: noDestination, 409: 'conflict: the destination is disabled; enable it first' },
    },
  ),
  events.get(
    '/events/{id}/deliveries',
    'events:read',
    'Deliveries of an event and every attempt (status, latency, response excerpt)',
    {
      ...byId('event'),
      responses: { 200: DeliveryList },
    },
  ),
  events.post(
    '/events/{id}/replay',
    'events:replay',
    'Deliver a stored event again (same webhook-id) and republish it to the bus, unless the bus is off',
    {
      params,
      body: ReplayEventBody,
      bodyOptional: true,
      responses: { 202: Queued },
      errors: { 404: 'not_found: no event with this id, or no destination destinationId' },
    },
  ),
  events.post(
    '/replays',
    'events:replay',
    'Replay stored events in bulk by time range (and provider / type); resumable by id',
    {
      body: StartReplayBody,
      responses: { 202: ReplayView, 200: ReplayView },
      errors: { 404: 'not_found: no destination destinationId' },
    },
  ),
  events.get('/replays', 'events:replay', 'List bulk replays, newest first', {
    query: PageQuery,
    responses: { 200: ReplayList },
    errors: badCursor('this list'),
  }),
  events.get('/replays/{id}', 'events:replay', 'Progress of a bulk replay', {
    ...byId('replay'),
    responses: { 200: ReplayView },
  }),
  health.get(
    '/health/pipeline',
    'destinations:write',
    "The pipeline at a glance: each destination's pending deliveries and dead letters, the oldest pending one's age, the queues' depths",
    { query: PipelineHealthQuery, responses: { 200: PipelineHealth }, errors: badCursor('this list') },
  ),
  payments.get(
    '/payments/{id}',
    'payments:read',
    'Latest normalised state of a payment (provider object id)',
    readModelObject,
  ),
  payments.get(
    '/subscriptions/{id}',
    'payments:read',
    'Latest normalised state of a subscription (provider object id)',
    readModelObject,
  ),
  payments.get(
    '/customers/{id}/subscriptions',
    'payments:read',
    "A customer's subscriptions (provider customer reference)",
    {
      params,
      query: ProviderQuery,
      responses: { 200: PaymentObjectList },
    },
  ),
];

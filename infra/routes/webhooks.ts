import * as z from 'zod/mini';
import type { RouteDef } from '../../shared/http/route.js';
import { EventDetail, EventList, ListEventsQuery } from '../../shared/schemas/events.js';

const Received = z
  .object({ status: z.enum(['stored', 'duplicate']), id: z.string() })
  .register(z.globalRegistry, { id: 'WebhookReceived' });

export const webhookRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/webhooks/{provider}',
    fn: 'webhooks-receive',
    auth: 'signature',
    tag: 'webhooks',
    summary: 'Receive a webhook from the provider’s default source (secret hookbridge/webhooks/{provider})',
    responses: { 200: Received },
  },
  {
    method: 'POST',
    path: '/webhooks/{provider}/{sourceId}',
    fn: 'webhooks-receive',
    auth: 'signature',
    tag: 'webhooks',
    summary: 'Receive a webhook for one source (secret hookbridge/webhooks/{provider}/{sourceId})',
    responses: { 200: Received },
  },
];

export const eventRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/events',
    fn: 'events-api',
    auth: 'api-key',
    scope: 'events:read',
    tag: 'events',
    summary: 'List received events, newest first, filtered by provider, source, type and time range',
    query: ListEventsQuery,
    responses: { 200: EventList },
  },
  {
    method: 'GET',
    path: '/events/{id}',
    fn: 'events-api',
    auth: 'api-key',
    scope: 'events:read',
    tag: 'events',
    summary: 'One event with its raw body and verification details',
    responses: { 200: EventDetail },
  },
];

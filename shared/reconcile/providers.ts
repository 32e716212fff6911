/**
 * The providers' events APIs a reconciler lists, newest first, down to the start of its window.
 * Each lists the same JSON objects its webhooks carry, so the webhook scheme's keys find the event
 * id, type and time (shared/webhooks/providers/<slug>/verify.ts). Why the others are not here:
 * docs/reconciliation.md.
 */
import { PADDLE_EVENT_KEYS } from '../webhooks/providers/paddle/verify.js';
import { STRIPE_EVENT_KEYS } from '../webhooks/providers/stripe/verify.js';

/** The instants (ms) a run lists events between, and the last event id listed so far. */
export interface PageRequest {
  from: number;
  to: number;
  after?: string | undefined;
}

export interface EventPage {
  events: Record<string, unknown>[];
  hasMore: boolean;
}

export interface EventsApi {
  provider: string;
  name: string;
  /** Where the id, type and time are in an event (as the webhook path reads them). */
  keys: { id: string; type: string; time: string; iso: (v: unknown) => string | undefined };
  /** The request for one page, below the integration's API base URL. */
  page(r: PageRequest): { path: string; query: string; pathTemplate: string };
  /** The page's events and whether more follow; undefined when the body is not such a page. */
  parse(body: unknown): EventPage | undefined;
  /** How long the provider keeps events listable. */
  retentionDays: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const eventsOf = (data: unknown): Record<string, unknown>[] | undefined =>
  Array.isArray(data) && data.every(isObject) ? data : undefined;

/** Stripe `GET /v1/events`: newest first, `created[gte]`/`created[lte]` in epoch seconds, `starting_after` pages on. */
const stripe: EventsApi = {
  provider: 'stripe',
  name: 'Stripe',
  keys: STRIPE_EVENT_KEYS,
  page: ({ from, to, after }) => {
    const q = new URLSearchParams({
      limit: '100',
      'created[gte]': String(Math.floor(from / 1000)),
      'created[lte]': String(Math.floor(to / 1000)),
    });
    if (after) q.set('starting_after', after);
    return { path: 'v1/events', query: q.toString(), pathTemplate: '/v1/events' };
  },
  parse: (body) => {
    if (!isObject(body)) return undefined;
    const events = eventsOf(body.data);
    return events && { events, hasMore: body.has_more === true };
  },
  retentionDays: 30,
};

/**
 * Paddle Billing `GET /events`: `order_by=id[DESC]` (Paddle ids sort by creation time), `after`
 * pages on, `meta.pagination.has_more`. There is no time filter: the walk stops at the first
 * event older than the window.
 */
const paddle: EventsApi = {
  provider: 'paddle',
  name: 'Paddle Billing',
  keys: PADDLE_EVENT_KEYS,
  page: ({ after }) => {
    const q = new URLSearchParams({ order_by: 'id[DESC]', per_page: '200' });
    if (after) q.set('after', after);
    return { path: 'events', query: q.toString(), pathTemplate: '/events' };
  },
  parse: (body) => {
    if (!isObject(body)) return undefined;
    const events = eventsOf(body.data);
    const pagination = isObject(body.meta) && isObject(body.meta.pagination) ? body.meta.pagination : {};
    return events && { events, hasMore: pagination.has_more === true };
  },
  retentionDays: 90,
};

export const EVENTS_APIS: Readonly<Record<string, EventsApi>> = { stripe, paddle };

export const eventsApiFor = (provider: string): EventsApi | undefined =>
  Object.hasOwn(EVENTS_APIS, provider) ? EVENTS_APIS[provider] : undefined;

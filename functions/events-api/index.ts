import * as z from 'zod/mini';
import { eventRoutes } from '../../infra/routes/webhooks.js';
import { HookbridgeError } from '../../shared/errors.js';
import type { EventRecord } from '../../shared/events/record.js';
import { eventStore } from '../../shared/events/store.js';
import { httpHandler } from '../../shared/http/lambda.js';
import { routesOf } from '../../shared/http/route.js';
import { json, parseParams, parseQuery } from '../../shared/http/types.js';
import { IdParam } from '../../shared/schemas/common.js';
import { ListEventsQuery } from '../../shared/schemas/events.js';
import { DEFAULT_SOURCE, webhookSecretName } from '../../shared/webhooks/names.js';

const summary = ({ headers: _h, matchedSecret: _m, ...rest }: EventRecord) => rest;

export const handler = httpHandler(routesOf(eventRoutes, 'events-api'), {
  'GET /events': async (req) => {
    const { cursor, ...filters } = parseQuery(req, ListEventsQuery);
    const page = await eventStore().list(filters, cursor);
    return json(200, { items: page.items.map(summary), ...(page.cursor ? { cursor: page.cursor } : {}) });
  },
  'GET /events/{id}': async (req) => {
    const { id } = parseParams(req, z.object({ id: IdParam }));
    const found = await eventStore().getWithBody(id);
    if (!found) throw new HookbridgeError('not_found', `No event ${id}`);
    const { record, body: raw } = found;
    const text = raw.toString('utf8');
    const utf8 = Buffer.byteLength(text) === raw.length && Buffer.from(text, 'utf8').equals(raw);
    return json(200, {
      ...summary(record),
      headers: record.headers,
      body: utf8 ? text : raw.toString('base64'),
      bodyEncoding: utf8 ? 'utf8' : 'base64',
      verification: {
        secretName: webhookSecretName(
          record.provider,
          record.source === DEFAULT_SOURCE ? undefined : record.source,
        ),
        matchedSecret: record.matchedSecret,
      },
    });
  },
});

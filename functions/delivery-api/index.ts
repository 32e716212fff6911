import { randomBytes } from 'node:crypto';
import { deliveryRoutes } from '../../infra/routes/delivery.js';
import { deliveryDeps } from '../../shared/delivery/deps.js';
import { checkDestinationUrl } from '../../shared/delivery/destination-url.js';
import { newReplayId, redrive, replayEvent, startReplay } from '../../shared/delivery/replay.js';
import { generateDestinationSecret, isValidDestinationSecret } from '../../shared/delivery/signing.js';
import type { Destination, ObjectState } from '../../shared/delivery/types.js';
import { HookbridgeError } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/lambda.js';
import { routesOf } from '../../shared/http/route.js';
import { type HttpRequest, json, noContent, parseJsonBody, parseQuery } from '../../shared/http/types.js';
import { IdParam } from '../../shared/schemas/common.js';
import {
  ProviderQuery,
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

async function objectOr404(req: HttpRequest, objectType: 'payment' | 'subscription') {
  const id = idOf(req);
  const { provider } = parseQuery(req, ProviderQuery);
  const found = await deliveryDeps().readModel.findObjects(objectType, id, provider);
  if (found.length === 0) throw new HookbridgeError('not_found', `No ${objectType} ${id}`);
  if (found.length > 1)
    throw new HookbridgeError('conflict', `Several providers have a ${objectType} ${id}; pass ?provider=`, {
      extensions: { providers: found.map((f) => f.provider) },
    });
  return json(200, found[0] as ObjectState);
}

export const handler = httpHandler(routesOf(deliveryRoutes, 'delivery-api'), {
  'PUT /destinations/{id}': async (req) => {
    const id = idOf(req);
    const body = parseJsonBody(req, PutDestinationBody);
    if (body.secret !== undefined && !isValidDestinationSecret(body.secret))
      throw new HookbridgeError(
        'invalid_request',
        'secret: the key after whsec_ must be 24-64 bytes of base64',
      );
    const deps = deliveryDeps();
    // https only, no internal literal hosts (the send-time guard also checks resolved addresses).
    checkDestinationUrl(body.url, deps.testAllow);
    const existing = await deps.destinations.getDestination(id);
    const at = new Date(deps.rt.clock.now()).toISOString();
    // Without `enabled`, an update keeps the status (a 410-disabled destination stays disabled).
    const enabled = body.enabled ?? (existing ? existing.status === 'enabled' : true);
    const dest: Destination = {
      id,
      url: body.url,
      types: [...new Set(body.types)],
      secret: body.secret ?? existing?.secret ?? generateDestinationSecret(),
      status: enabled ? 'enabled' : 'disabled',
      disabledReason: enabled
        ? undefined
        : body.enabled === undefined
          ? existing?.disabledReason
          : 'disabled by API',
      description: body.description,
      generation: existing ? existing.generation : randomBytes(8).toString('hex'),
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
    };
    await deps.destinations.putDestination(dest);
    deps.rt.log.info('destination saved', { destinationId: id, types: dest.types.length });
    return json(existing ? 200 : 201, dest);
  },
  'GET /destinations/{id}': async (req) => {
    const id = idOf(req);
    const dest = await deliveryDeps().destinations.getDestination(id);
    if (!dest) throw new HookbridgeError('not_found', `No destination ${id}`);
    return json(200, dest);
  },
  'DELETE /destinations/{id}': async (req) => {
    const id = idOf(req);
    const deps = deliveryDeps();
    if (!(await deps.destinations.deleteDestination(id)))
      throw new HookbridgeError('not_found', `No destination ${id}`);
    // Its pending deliveries die (destination_deleted) and its dead letters leave the redrive list.
    // Anything this misses (a crash, a send in flight) is stopped at send / redrive time by the
    // destination generation check.
    const at = new Date(deps.rt.clock.now()).toISOString();
    for (const which of ['pending', 'dead'] as const) {
      let cursor: string | undefined;
      do {
        const page = await deps.deliveries.listIndexedForDestination(id, which, cursor);
        for (const d of page.items) await deps.deliveries.retireForDeletedDestination(d, at);
        cursor = page.cursor;
      } while (cursor);
    }
    return noContent();
  },
  'POST /destinations/{id}/redrive': async (req) => {
    const id = idOf(req);
    return json(202, { queued: await redrive(deliveryDeps(), id, newReplayId()) });
  },
  'GET /events/{id}/deliveries': async (req) => {
    const id = idOf(req);
    const deps = deliveryDeps();
    if (!(await deps.events.get(id))) throw new HookbridgeError('not_found', `No event ${id}`);
    const { deliveries, attempts } = await deps.deliveries.listForEvent(id);
    return json(200, {
      items: deliveries.map((d) => ({
        destinationId: d.destinationId,
        part: d.part,
        webhookId: d.webhookId,
        type: d.type,
        status: d.status,
        round: d.round,
        nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : undefined,
        deadReason: d.status === 'dead' ? d.deadReason : undefined,
        attempts: attempts
          .filter((a) => a.destinationId === d.destinationId && a.part === d.part)
          .map(({ eventId: _e, destinationId: _d, part: _p, ...a }) => a),
      })),
    });
  },
  'POST /events/{id}/replay': async (req) => {
    const id = idOf(req);
    const body = optionalBody(req, ReplayEventBody, {});
    return json(202, { queued: await replayEvent(deliveryDeps(), id, newReplayId(), body.destinationId) });
  },
  'POST /replays': async (req) => {
    const body = parseJsonBody(req, StartReplayBody);
    const deps = deliveryDeps();
    if (body.destinationId && !(await deps.destinations.getDestination(body.destinationId)))
      throw new HookbridgeError('not_found', `No destination ${body.destinationId}`);
    const { job, created } = await startReplay(deps, body);
    return json(created ? 202 : 200, job);
  },
  'GET /replays/{id}': async (req) => {
    const id = idOf(req);
    const job = await deliveryDeps().replays.getReplay(id);
    if (!job) throw new HookbridgeError('not_found', `No replay ${id}`);
    return json(200, job);
  },
  'GET /payments/{id}': (req) => objectOr404(req, 'payment'),
  'GET /subscriptions/{id}': (req) => objectOr404(req, 'subscription'),
  'GET /customers/{id}/subscriptions': async (req) => {
    const id = idOf(req);
    const { provider } = parseQuery(req, ProviderQuery);
    return json(200, { items: await deliveryDeps().readModel.customerSubscriptions(id, provider) });
  },
});

import type * as z from 'zod/mini';
import { EVENT_TYPE_MODELS, exampleOf, jsonSchemaOf } from '../events/catalog.js';
import { Problem } from '../schemas/common.js';
import { EVENT_LIMITS } from '../webhooks/limits.js';
import { SchemaComponents } from './openapi-schemas.js';
import type { ResponseDoc, RouteDef } from './route.js';
import { MAX_JSON_DEPTH } from './types.js';

type Json = Record<string, unknown>;

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const HTML_PAGE = { type: 'string', description: 'An HTML page for the person in the browser' };
const PAGE_TYPE = 'text/html';

/** Errors every route of an auth kind can answer: status -> when. */
function impliedErrors(r: RouteDef): Record<number, string> {
  const out: Record<number, string[]> = {};
  const add = (status: number, when: string) => {
    out[status] = [...(out[status] ?? []), when];
  };
  if (r.body) {
    add(
      400,
      `invalid_json (malformed or missing body, or nested deeper than ${MAX_JSON_DEPTH} levels) or invalid_request (each wrong field in errors; a string with a lone surrogate is wrong)`,
    );
    add(415, 'unsupported_media_type: the body is not sent as Content-Type: application/json');
  }
  if (r.query && r.auth !== 'browser') add(400, 'invalid_query (each wrong parameter in errors)');
  if (r.params && r.auth !== 'signature') add(400, 'invalid_request: a path parameter breaks its pattern');
  if (r.body || r.auth === 'signature' || r.method === 'ANY')
    add(413, 'payload_too_large: the body is over 10 MB (API Gateway refuses it before Hookbridge does)');
  if (r.auth === 'signature')
    add(
      413,
      `payload_too_large: the event id or type is over ${EVENT_LIMITS.eventIdBytes} bytes, the kept headers over ${EVENT_LIMITS.headerBytes / 1024} KB, or the body nests deeper than ${EVENT_LIMITS.bodyDepth} levels`,
    );
  if (r.auth === 'api-key') {
    add(401, 'unauthorized: missing, unknown or revoked API key (WWW-Authenticate: Bearer)');
    add(403, `insufficient_scope: the key lacks "${r.scope}" (named in requiredScope)`);
  }
  if (r.auth === 'session') {
    add(401, 'unauthorized: no console session cookie, or it expired, or its API key was revoked');
    if (r.method !== 'GET') add(403, 'forbidden: the X-Hookbridge-CSRF header does not echo the session');
  }
  if (r.auth === 'signature') {
    add(
      400,
      'invalid_request: correctly signed, but the payload lacks what the provider promises (e.g. the event id)',
    );
    add(401, 'missing_signature, malformed_header, bad_signature, stale_timestamp or future_timestamp');
    add(404, 'unknown_provider, or unknown_source (no secret for this source)');
    add(500, 'misconfigured: the source secret is malformed or still the placeholder (the provider retries)');
  }
  if (r.auth !== 'none') add(503, 'store_unavailable or secrets_unavailable: retry later');
  return Object.fromEntries(Object.entries(out).map(([s, w]) => [s, w.join('; ')]));
}

function errorResponse(r: RouteDef, when: string): Json {
  // Browser routes answer a person: their errors are pages, never problem+json.
  const content =
    r.auth === 'browser'
      ? { [PAGE_TYPE]: { schema: HTML_PAGE } }
      : { 'application/problem+json': { schema: PROBLEM_REF } };
  return { description: when, content };
}

type Answer = z.core.$ZodType | string | ResponseDoc;

const isDoc = (s: Answer): s is ResponseDoc => typeof s === 'object' && 'content' in s && 'description' in s;

/** The zod schemas an answer is documented with. */
const schemasOf = (s: Answer): z.core.$ZodType[] =>
  isDoc(s) ? Object.values(s.content) : typeof s === 'string' ? [] : [s];

function successResponse(r: RouteDef, status: string, s: Answer, c: SchemaComponents): Json {
  if (isDoc(s)) {
    const content = Object.fromEntries(
      Object.entries(s.content).map(([type, schema]) => [type, { schema: c.of(schema, 'output') }]),
    );
    return { description: s.description, content };
  }
  if (typeof s !== 'string') {
    const schema = c.of(s, 'output');
    return { description: 'OK', content: { [r.produces ?? 'application/json']: { schema } } };
  }
  if (status === '302')
    return {
      description: s,
      headers: { Location: { required: true, schema: { type: 'string', format: 'uri' } } },
    };
  if (r.produces === PAGE_TYPE && status.startsWith('2'))
    return { description: s, content: { [PAGE_TYPE]: { schema: HTML_PAGE } } };
  return { description: s };
}

/** The route's own answers, then every error its auth, input and logic can produce. */
function responsesOf(r: RouteDef, c: SchemaComponents): Json {
  const responses: Json = {};
  for (const [status, s] of Object.entries(r.responses ?? { 200: 'OK' }))
    responses[status] = successResponse(r, status, s, c);
  const errors: Record<string, string> = { ...impliedErrors(r) };
  for (const [status, when] of Object.entries(r.errors ?? {}))
    errors[status] = errors[status] ? `${errors[status]}; ${when}` : when;
  for (const status of Object.keys(errors).sort()) responses[status] = errorResponse(r, errors[status]!);
  responses.default = errorResponse(r, 'internal: an unexpected error (no detail is leaked)');
  return responses;
}

function parametersOf(r: RouteDef, c: SchemaComponents): unknown[] {
  const declared = r.params ? c.propertiesOf(r.params, 'input').properties : {};
  const params: unknown[] = [...r.path.matchAll(/\{([A-Za-z0-9_]+)(\+?)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: declared[m[1]!] ?? { type: 'string' },
    ...(m[2] ? { description: 'The rest of the path (may contain slashes)' } : {}),
  }));
  if (r.query) {
    const js = c.propertiesOf(r.query, 'input');
    for (const [name, schema] of Object.entries(js.properties)) {
      const { description, ...rest } = schema;
      params.push({
        name,
        in: 'query',
        required: js.required.includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  return params;
}

function requestBodyOf(r: RouteDef, c: SchemaComponents): Json | undefined {
  if (r.body)
    return {
      required: !r.bodyOptional,
      content: { 'application/json': { schema: c.of(r.body, 'input') } },
    };
  if (r.auth === 'signature')
    return {
      required: true,
      description: 'The provider’s payload, byte for byte as signed (JSON or a form)',
      content: { 'application/json': { schema: {} }, 'application/x-www-form-urlencoded': { schema: {} } },
    };
  return undefined;
}

function operationOf(r: RouteDef, c: SchemaComponents): Json {
  const body = requestBodyOf(r, c);
  return {
    operationId: `${r.method.toLowerCase()}${r.path.replace(/[{}+]/g, '').replace(/[/-](\w)/g, (_, ch: string) => ch.toUpperCase())}`,
    summary: r.summary,
    tags: [r.tag],
    parameters: parametersOf(r, c),
    ...(body ? { requestBody: body } : {}),
    responses: responsesOf(r, c),
    ...(r.auth === 'api-key'
      ? { security: [{ apiKey: [] }], 'x-required-scope': r.scope }
      : { security: [] }),
    'x-hookbridge-function': r.fn,
    'x-hookbridge-auth': r.auth,
  };
}

const DESCRIPTION = [
  'Webhooks in, OAuth connections, calls out.',
  'Every error is application/problem+json (RFC 9457) with a stable `code`, except on the browser routes (/oauth/*), which answer HTML pages.',
  'A path the API does not have answers 404 not_found; a known path with another method answers 405 method_not_allowed with an Allow header.',
  'Lists answer `{ items, cursor? }`: pass `cursor` back as `?cursor=` for the next page; it is absent on the last page, and one this API did not return is 400 invalid_cursor.',
].join('\n\n');

const DELIVERY_HEADERS = [
  ['webhook-id', "The delivery's id: the same on every retry and replay of it (dedupe on it)"],
  ['webhook-timestamp', 'Epoch seconds when this attempt was signed'],
  ['webhook-signature', '`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the destination secret'],
].map(([name, description]) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
}));

/** OpenAPI 3.1 `webhooks`: what Hookbridge POSTs to a destination, one entry per event type (GET /event-types). */
function webhooksOf(c: SchemaComponents): Json {
  const out: Json = {};
  for (const m of EVENT_TYPE_MODELS()) {
    const schema = c.of(m.model, 'output');
    out[m.type] = {
      post: {
        operationId: `webhook${m.type.replace(/(^|[._-])(\w)/g, (_, _s: string, ch: string) => ch.toUpperCase())}`,
        summary: `${m.type}: ${m.description}`,
        tags: ['webhooks-out'],
        parameters: DELIVERY_HEADERS,
        // The receiver checks the Standard Webhooks signature (the headers above), not a scheme of this API.
        security: [],
        requestBody: {
          required: true,
          content: { 'application/json': { schema, example: exampleOf(jsonSchemaOf(m)) } },
        },
        responses: {
          '2XX': { description: 'Received: the delivery is done' },
          '410': { description: 'Gone: Hookbridge disables the destination' },
          default: {
            description:
              'Any other answer, or none within HOOKBRIDGE_DELIVERY_TIMEOUT_MS (10 s), is retried on the schedule',
          },
        },
      },
    };
  }
  return out;
}

/** Builds the OpenAPI 3.1 document from the route table and the routes' zod schemas. */
export function buildOpenApi(routes: readonly RouteDef[], info: { version: string; serverUrl?: string }) {
  const c = new SchemaComponents();
  c.of(Problem, 'output');
  // Output forms first, so a named schema keeps its name for what the API sends.
  for (const r of routes)
    for (const s of Object.values(r.responses ?? {}))
      for (const schema of schemasOf(s)) c.of(schema, 'output');
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const op = operationOf(r, c);
    // OpenAPI has no greedy parameters: `{path+}` is documented as `{path}` (it may contain slashes).
    const path = r.path.replace(/\{([A-Za-z0-9_]+)\+\}/g, '{$1}');
    paths[path] ??= {};
    if (r.method === 'ANY') {
      // ANY is every method API Gateway routes, HEAD and OPTIONS included.
      for (const m of ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'])
        paths[path]![m] = { ...op, operationId: `${m}${op.operationId as string}` };
    } else paths[path]![r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Hookbridge', version: info.version, description: DESCRIPTION },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A Hookbridge API key (hbk_…)' },
      },
      schemas: c.schemas,
    },
    paths,
    webhooks: webhooksOf(c),
  };
}

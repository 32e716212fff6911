import * as z from 'zod/mini';
import { Problem } from '../schemas/common.js';
import type { RouteDef } from './route.js';

const toSchema = (schema: z.core.$ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' });

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

const problem = { content: { 'application/problem+json': { schema: PROBLEM_REF } } };

function parametersOf(r: RouteDef): unknown[] {
  const params: unknown[] = [...r.path.matchAll(/\{([A-Za-z0-9_]+)(\+?)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(m[2] ? { description: 'The rest of the path (may contain slashes)' } : {}),
  }));
  if (r.query) {
    const js = toSchema(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, schema] of Object.entries(js.properties ?? {}))
      params.push({ name, in: 'query', required: js.required?.includes(name) ?? false, schema });
  }
  return params;
}

/** The route's own answers, then the errors its auth and input can produce. */
function responsesOf(r: RouteDef): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, s] of Object.entries(r.responses ?? { 200: 'OK' })) {
    responses[status] =
      typeof s === 'string'
        ? { description: s }
        : {
            description: 'OK',
            content: { [r.produces ?? 'application/json']: { schema: toSchema(s, 'output') } },
          };
  }
  if (r.body || r.query) responses['400'] = { description: 'Malformed or invalid input', ...problem };
  if (r.auth === 'api-key') {
    responses['401'] = { description: 'Missing or invalid API key', ...problem };
    responses['403'] = { description: `API key lacks the "${r.scope}" scope`, ...problem };
  }
  if (r.auth === 'signature') {
    responses['400'] = {
      description: 'Correctly signed, but the payload lacks what the provider promises (e.g. the event id)',
      ...problem,
    };
    responses['401'] = {
      description: 'missing_signature, malformed_header, bad_signature, stale_timestamp or future_timestamp',
      ...problem,
    };
    responses['404'] = { description: 'unknown_provider or unknown_source', ...problem };
  }
  if (r.auth !== 'none')
    responses['503'] = { description: 'The store or secret store did not answer; retry', ...problem };
  responses.default = { description: 'Error', ...problem };
  return responses;
}

function operationOf(r: RouteDef): Record<string, unknown> {
  const op: Record<string, unknown> = {
    operationId: `${r.method.toLowerCase()}${r.path.replace(/[{}+]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
    summary: r.summary,
    tags: [r.tag],
    parameters: parametersOf(r),
    responses: responsesOf(r),
    ...(r.auth === 'api-key'
      ? { security: [{ apiKey: [] }], 'x-required-scope': r.scope }
      : { security: [] }),
    'x-hookbridge-function': r.fn,
    'x-hookbridge-auth': r.auth,
  };
  if (r.body)
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: toSchema(r.body, 'input') } },
    };
  return op;
}

/** Builds the OpenAPI 3.1 document from the route table and the routes' zod schemas. */
export function buildOpenApi(routes: readonly RouteDef[], info: { version: string; serverUrl?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op = operationOf(r);
    // OpenAPI has no greedy parameters: `{path+}` is documented as `{path}` (it may contain slashes).
    const path = r.path.replace(/\{([A-Za-z0-9_]+)\+\}/g, '{$1}');
    paths[path] ??= {};
    if (r.method === 'ANY') {
      for (const m of ['get', 'post', 'put', 'patch', 'delete'])
        paths[path]![m] = { ...op, operationId: `${m}${op.operationId as string}` };
    } else paths[path]![r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hookbridge',
      version: info.version,
      description: 'Webhooks in, OAuth connections, calls out.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A Hookbridge API key (hbk_…)' },
      },
      schemas: { Problem: toSchema(Problem, 'output') },
    },
    paths,
  };
}

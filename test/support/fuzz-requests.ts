/**
 * Requests for one operation of the served OpenAPI document (test/integration/fuzz.test.ts): its
 * documented path, query, headers and body, each valid for its schema or broken (./fuzz-inputs.ts);
 * on the webhook routes also correctly signed requests over fuzzed payloads.
 */
import fc from 'fast-check';
import {
  ascii,
  badAuthorization,
  badJsonBody,
  encodeAll,
  extraHeader,
  garbageSignatureHeaders,
  mangledObject,
  nastyQueryValue,
  nastySegment,
  wrongContentType,
} from './fuzz-inputs.js';
import { arbitraryOf, type JsonSchema } from './schema-arbitrary.js';

export interface DocResponse {
  content?: Record<string, { schema: JsonSchema }>;
  headers?: Record<string, unknown>;
}
export interface DocOperation {
  parameters: { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, DocResponse>;
  'x-hookbridge-auth': string;
}
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Sign the body as this provider's source at send time (signatures carry a timestamp). */
  sign?: { provider: string };
}
export interface FuzzContext {
  resolveRef: (ref: string) => JsonSchema;
  adminKey: string;
  /** A key that authenticates but lacks most routes' scope. */
  scopedKey: string;
  /** Providers whose default source and `source` have a secret the test can sign with. */
  signedProviders: string[];
  source: string;
}

const paramsIn = (op: DocOperation, where: 'path' | 'query') => op.parameters.filter((p) => p.in === where);

/** The path with each parameter valid for its schema (encoded) or hostile. */
function pathOf(ctx: FuzzContext, template: string, op: DocOperation): fc.Arbitrary<string> {
  const parts = template.split(/\{(\w+)\}/);
  const values = paramsIn(op, 'path').map((p) => {
    const valid =
      p.name === 'path'
        ? fc
            .array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/), { minLength: 1, maxLength: 3 })
            .map((s) => s.join('/'))
        : arbitraryOf(p.schema, ctx.resolveRef).map((v) => encodeAll(String(v)));
    return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: nastySegment });
  });
  return fc.tuple(...values).map((vs) => parts.map((part, i) => (i % 2 ? vs[(i - 1) / 2] : part)).join(''));
}

/** The query: each parameter valid, absent or hostile; sometimes repeated, or one the route does not take. */
function queryOf(ctx: FuzzContext, op: DocOperation): fc.Arbitrary<string> {
  const each = paramsIn(op, 'query').map((p) =>
    fc.oneof(
      {
        weight: 2,
        arbitrary: arbitraryOf(p.schema, ctx.resolveRef).map((v) => [`${p.name}=${encodeAll(String(v))}`]),
      },
      { weight: 2, arbitrary: fc.constant([] as string[]) },
      { weight: 1, arbitrary: nastyQueryValue.map((v) => [`${p.name}=${v}`]) },
    ),
  );
  const unknown = fc
    .tuple(
      fc.constantFrom('zz', 'state', 'code', 'error', 'iss', 'session', 'cursor', 'limit'),
      nastyQueryValue,
    )
    .map(([k, v]) => [`${k}=${v}`]);
  return fc
    .tuple(
      fc.tuple(...each),
      fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: unknown }),
      fc.boolean(),
    )
    .map(([pairs, extra, repeat]) => {
      const all = [...pairs.flat(), ...extra];
      if (repeat && all[0]) all.push(all[0]);
      return all.length ? `?${all.join('&')}` : '';
    });
}

/** The body the operation documents (valid, mangled or not JSON at all), or, for one without, mostly none. */
function bodyOf(ctx: FuzzContext, op: DocOperation): fc.Arbitrary<string | undefined> {
  const schema = op.requestBody?.content['application/json']?.schema;
  if (!schema || op['x-hookbridge-auth'] === 'signature')
    return fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: badJsonBody });
  const value = arbitraryOf(schema, ctx.resolveRef);
  const mangled = value.chain((v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? mangledObject(v as Record<string, unknown>)
      : fc.constant(v),
  );
  return fc.oneof(
    { weight: 4, arbitrary: value.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: mangled.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: badJsonBody },
    { weight: op.requestBody?.required ? 0 : 1, arbitrary: fc.constant(undefined) },
  );
}

function headersOf(ctx: FuzzContext, op: DocOperation): fc.Arbitrary<Record<string, string>> {
  const auth = fc.oneof(
    { weight: 5, arbitrary: fc.constant<string | undefined>(`Bearer ${ctx.adminKey}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${ctx.scopedKey}`) },
    { weight: 2, arbitrary: badAuthorization(ctx.adminKey) },
  );
  const json = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON');
  const type = op.requestBody
    ? fc.oneof({ weight: 5, arbitrary: json }, { weight: 1, arbitrary: wrongContentType })
    : fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: wrongContentType });
  const extra = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: extraHeader },
  );
  return fc.tuple(auth, type, extra).map(([authorization, contentType, more]) => ({
    ...(authorization === undefined ? {} : { authorization }),
    ...(contentType === undefined ? {} : { 'content-type': contentType }),
    ...(more ? { [more[0]]: more[1] } : {}),
  }));
}

/** A webhook some provider's source really has a secret for, correctly signed over a fuzzed body. */
function signedWebhook(ctx: FuzzContext, template: string): fc.Arbitrary<FuzzRequest> {
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc
      .record({
        id: ascii(300),
        type: ascii(300),
        created: fc.integer(),
        data: fc.jsonValue({ maxDepth: 2 }),
      })
      .map((v) => JSON.stringify(v)),
    ascii(60).map((s) => `a=${encodeAll(s)}&bt_payload=${encodeAll(s)}`),
    badJsonBody,
  );
  const withSource = template.includes('{sourceId}');
  return fc
    .tuple(
      fc.constantFrom(...ctx.signedProviders),
      body,
      fc.constantFrom('application/json', 'application/x-www-form-urlencoded'),
    )
    .map(([provider, b, type]) => ({
      method: 'POST',
      path: `/webhooks/${provider}${withSource ? `/${ctx.source}` : ''}`,
      headers: { 'content-type': type },
      body: b,
      sign: { provider },
    }));
}

export function requestOf(
  ctx: FuzzContext,
  template: string,
  method: string,
  op: DocOperation,
): fc.Arbitrary<FuzzRequest> {
  const otherMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
  const generic = fc
    .record({
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(method.toUpperCase()) },
        { weight: 1, arbitrary: otherMethod },
      ),
      path: fc.tuple(pathOf(ctx, template, op), queryOf(ctx, op)).map(([p, q]) => p + q),
      headers: headersOf(ctx, op),
      body: bodyOf(ctx, op),
    })
    .map((r): FuzzRequest => (r.body === undefined ? { ...r, body: undefined } : r));
  if (op['x-hookbridge-auth'] !== 'signature') return generic;
  const unsigned = fc.tuple(generic, garbageSignatureHeaders, fc.option(badJsonBody)).map(([r, sig, b]) => ({
    ...r,
    headers: { ...r.headers, ...sig },
    body: b ?? r.body,
  }));
  return fc.oneof(unsigned, signedWebhook(ctx, template));
}

/**
 * fast-check arbitraries from the JSON Schemas the OpenAPI document serves: values meant to be
 * valid for the schema (the fuzz test mutates them into invalid ones). Covers what the document
 * uses: $ref, const, enum, anyOf/oneOf/allOf, string formats and patterns, bounded numbers, arrays,
 * objects with required / optional / additional properties. Sizes stay small.
 */
import fc from 'fast-check';

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema nodes are read field by field
export type JsonSchema = Record<string, any>;

const MAX_DEPTH = 6;
const URLS = ['https://example.com/hooks', 'https://hooks.example.org/in?x=1', 'https://api.example.net/'];

function stringOf(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? 24, Math.max(minLength, 24));
  const fits = (v: string) => v.length >= minLength && v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY);
  if (s.format === 'date-time')
    return fc
      .date({
        min: new Date('2020-01-01T00:00:00Z'),
        max: new Date('2030-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  if (s.format === 'uri') return fc.oneof(fc.constantFrom(...URLS), fc.webUrl({ validSchemes: ['https'] }));
  if (s.format === 'email') return fc.emailAddress();
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  return fc.string({ minLength, maxLength });
}

function objectOf(s: JsonSchema, next: (child: JsonSchema) => fc.Arbitrary<unknown>) {
  const props = Object.fromEntries(
    Object.entries((s.properties ?? {}) as Record<string, JsonSchema>).map(([k, v]) => [k, next(v)]),
  );
  const known = fc.record(props, { requiredKeys: s.required ?? [] });
  if (!s.additionalProperties || typeof s.additionalProperties !== 'object') return known;
  const names = s.propertyNames ? stringOf(s.propertyNames) : fc.string({ minLength: 1, maxLength: 8 });
  const extra = fc.dictionary(names, next(s.additionalProperties), { maxKeys: 2 });
  return fc.tuple(extra, known).map(([a, b]) => ({ ...a, ...b }));
}

/** An arbitrary of values for `schema`; `resolve` turns a `$ref` into its schema. */
export function arbitraryOf(
  schema: JsonSchema,
  resolve: (ref: string) => JsonSchema,
  depth = 0,
): fc.Arbitrary<unknown> {
  const next = (child: JsonSchema) => arbitraryOf(child, resolve, depth + 1);
  if (depth > MAX_DEPTH) return fc.constant(null);
  if (schema.$ref) return arbitraryOf(resolve(schema.$ref), resolve, depth + 1);
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) return fc.oneof(...union.map(next));
  if (schema.allOf) {
    const { allOf, ...own } = schema;
    return next(Object.assign({}, ...(allOf as JsonSchema[]), own));
  }
  if (Array.isArray(schema.type))
    return fc.oneof(...(schema.type as string[]).map((type) => next({ ...schema, type })));
  switch (schema.type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(next(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, Math.max(schema.minItems ?? 0, 3)),
      });
    case 'object':
      return objectOf(schema, next);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

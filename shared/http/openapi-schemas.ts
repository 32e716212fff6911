/**
 * zod -> JSON Schema for the OpenAPI document. zod puts every registered (named) schema in the
 * `$defs` of each schema it renders; a `$defs` nested in a media type is not addressable from the
 * document root, so the named parts are hoisted into `components.schemas` and every `$ref` points
 * there instead.
 */
import * as z from 'zod/mini';

type Json = Record<string, unknown>;
export type Io = 'input' | 'output';

const DEFS = '#/$defs/';
const COMPONENTS = '#/components/schemas/';

/** A copy of `node` with every `#/$defs/<name>` ref renamed through `names`. */
function rewriteRefs(node: unknown, names: (name: string) => string): unknown {
  if (Array.isArray(node)) return node.map((v) => rewriteRefs(v, names));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith(DEFS)
        ? `${COMPONENTS}${names(v.slice(DEFS.length))}`
        : rewriteRefs(v, names);
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class SchemaComponents {
  readonly schemas: Record<string, Json> = {};

  /**
   * The JSON Schema of `schema`, named parts referenced from `components.schemas`. A named schema
   * whose input form differs from its output form (defaults make fields optional on input) is
   * kept as `<Name>Input` beside `<Name>`.
   */
  of(schema: z.core.$ZodType, io: Io): Json {
    const rendered = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      reused: 'inline',
    }) as Json;
    const { $schema: _dialect, $defs = {}, ...root } = rendered as Json & { $defs?: Record<string, Json> };
    const plain = (name: string) => name;
    const clash = Object.entries($defs).some(([name, def]) => {
      const existing = this.schemas[name];
      return existing !== undefined && !same(existing, rewriteRefs(def, plain));
    });
    const names = clash && io === 'input' ? (name: string) => `${name}Input` : plain;
    for (const [name, def] of Object.entries($defs))
      this.schemas[names(name)] = rewriteRefs(def, names) as Json;
    return rewriteRefs(root, names) as Json;
  }

  /** The properties of an object schema, following a root `$ref` to its component. */
  propertiesOf(schema: z.core.$ZodType, io: Io): { properties: Record<string, Json>; required: string[] } {
    let js = this.of(schema, io);
    if (typeof js.$ref === 'string') js = this.schemas[js.$ref.slice(COMPONENTS.length)] ?? {};
    return {
      properties: (js.properties ?? {}) as Record<string, Json>,
      required: (js.required ?? []) as string[],
    };
  }
}

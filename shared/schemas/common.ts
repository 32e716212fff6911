import * as z from 'zod/mini';
import { SCOPES } from '../auth/scopes.js';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import '../zod-locale.js';

const FieldError = z
  .object({ path: z.string(), message: z.string() })
  .register(z.globalRegistry, { id: 'FieldError', description: 'One field that is wrong' });

/** Every member `toProblem` sends: the RFC 9457 core, then the extensions the errors carry. */
export const Problem = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().check(z.int(), z.gte(400), z.lte(599)),
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
    detail: z.optional(z.string()),
    instance: z.optional(z.string()).check(z.describe('The request path')),
    errors: z
      .optional(z.array(FieldError))
      .check(
        z.describe(
          'invalid_request / invalid_query: each field that is wrong (at most the first 5 in detail)',
        ),
      ),
    reason: z
      .optional(z.string())
      .check(
        z.describe(
          'invalid_request on a destination url, ssrf_blocked: why the address was refused (e.g. scheme, private, loopback)',
        ),
      ),
    requiredScope: z
      .optional(z.enum(SCOPES))
      .check(z.describe('insufficient_scope: the scope the route needs')),
    providers: z
      .optional(z.array(z.string()))
      .check(
        z.describe(
          'conflict on /payments/{id}, /subscriptions/{id}: the providers holding that id; pass ?provider=',
        ),
      ),
    connectionId: z.optional(z.string()).check(z.describe('needs_reauth: the connection to connect again')),
    integrationId: z
      .optional(z.string())
      .check(z.describe('token_exchange_failed: the integration whose credentials were refused')),
    providerError: z
      .optional(z.string())
      .check(z.describe("A refused token refresh: the provider's OAuth error code")),
  })
  .register(z.globalRegistry, {
    id: 'Problem',
    description: 'RFC 9457 problem details; extension members appear only with the codes that carry them',
  });

export const IdParam = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9_.:-]+$/, 'must be 1-128 of A-Z a-z 0-9 _ . : -'),
  );

/** Path parameters of the `/{resource}/{id}` routes. */
export const IdParams = z.object({ id: IdParam });

/** `?cursor=` of every list: the `cursor` of the previous answer, passed back as is. */
export const CursorParam = z
  .optional(z.string().check(z.maxLength(2048)))
  .check(
    z.describe('opaque, at most 2,048 characters; the cursor of the previous page (else 400 invalid_cursor)'),
  );

/** A plain decimal query parameter (digits only: not `0x10`, `+5` or ` 50`), `min` to `max`. */
export const decimalParam = (min: number, max: number, byDefault: number) =>
  z
    ._default(
      z.pipe(
        z.string().check(z.regex(/^[0-9]{1,9}$/, 'must be a plain decimal (digits only)')),
        z.coerce.number<string>().check(z.int(), z.gte(min), z.lte(max)),
      ),
      byDefault,
    )
    // Documented as the integer it is (the pipe's input alone would read as a bare string).
    .check(
      z.meta({
        type: 'integer',
        minimum: min,
        maximum: max,
        pattern: undefined,
        description: `a plain decimal, ${min} to ${max}`,
      }),
    );

/** `?limit=`: a plain decimal, 1 to `max`. */
export const limitParam = (max: number, byDefault = 50) => decimalParam(1, max, byDefault);

/** `?limit=&cursor=` of a list without filters. */
export const PageQuery = z.strictObject({ limit: limitParam(100), cursor: CursorParam });

/** Every list answers `{ items, cursor? }`. */
export const listOf = <T extends z.core.$ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      cursor: z
        .optional(z.string())
        .check(z.describe('Pass as ?cursor= for the next page; absent on the last page')),
    })
    .register(z.globalRegistry, { id });

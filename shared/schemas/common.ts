import * as z from 'zod/mini';
import '../zod-locale.js';

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().check(z.int()),
    code: z.string(),
    detail: z.optional(z.string()),
    instance: z.optional(z.string()),
  })
  .register(z.globalRegistry, { id: 'Problem', description: 'RFC 9457 problem details' });

export const IdParam = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9_.:-]+$/, 'must be 1-128 of A-Z a-z 0-9 _ . : -'),
  );

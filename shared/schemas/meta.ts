import * as z from 'zod/mini';
import '../zod-locale.js';

export const Health = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    store: z.enum(['dynamodb', 'dynalite']),
    secrets: z.enum(['secrets-manager', 'file']),
    time: z.iso.datetime(),
  })
  .register(z.globalRegistry, { id: 'Health' });

export const Readiness = z
  .object({
    status: z.literal('ready'),
    checks: z.object({ store: z.literal('ok'), secrets: z.literal('ok') }),
  })
  .register(z.globalRegistry, { id: 'Readiness' });

export const OpenApiDocument = z
  .looseObject({
    openapi: z.literal('3.1.0'),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z.record(z.string(), z.unknown()),
  })
  .register(z.globalRegistry, { id: 'OpenApiDocument', description: 'This document' });

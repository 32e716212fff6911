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
    webhooks: z.optional(z.record(z.string(), z.unknown())),
  })
  .register(z.globalRegistry, { id: 'OpenApiDocument', description: 'This document' });

export const EventTypeList = z
  .object({
    items: z.array(
      z.object({
        type: z
          .string()
          .check(z.describe('The type a delivery carries (`type` in its body); filter on it or a prefix')),
        kind: z.enum(['normalised', 'raw', 'hookbridge']),
        description: z.string(),
        schema: z
          .record(z.string(), z.unknown())
          .check(z.describe("The delivery body's JSON Schema (draft 2020-12), generated from the model")),
        example: z.unknown().check(z.describe('A body that fits the schema')),
      }),
    ),
  })
  .register(z.globalRegistry, { id: 'EventTypeList' });

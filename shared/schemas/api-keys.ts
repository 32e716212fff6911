import * as z from 'zod/mini';
import { SCOPES } from '../auth/scopes.js';
import '../zod-locale.js';

export const ScopeSchema = z.enum(SCOPES);

export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().check(z.minLength(1), z.maxLength(100)),
    scopes: z.array(ScopeSchema).check(z.minLength(1), z.maxLength(20)),
  })
  .register(z.globalRegistry, { id: 'CreateApiKey' });

export const ApiKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(ScopeSchema),
    createdAt: z.iso.datetime(),
    revokedAt: z.optional(z.iso.datetime()),
  })
  .register(z.globalRegistry, { id: 'ApiKey' });

export const CreatedApiKey = z
  .extend(ApiKeyView, {
    key: z.string().check(z.describe('The key itself. Shown once; only its hash is stored.')),
  })
  .register(z.globalRegistry, { id: 'CreatedApiKey' });

export const ApiKeyList = z
  .object({ items: z.array(ApiKeyView) })
  .register(z.globalRegistry, { id: 'ApiKeyList' });

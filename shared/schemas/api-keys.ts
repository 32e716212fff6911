import * as z from 'zod';
import { SCOPES } from '../auth/scopes.js';

export const ScopeSchema = z.enum(SCOPES);

export const CreateApiKeyBody = z
  .object({
    name: z.string().min(1).max(100),
    scopes: z.array(ScopeSchema).min(1).max(20),
  })
  .strict()
  .meta({ id: 'CreateApiKey' });

export const ApiKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(ScopeSchema),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().optional(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKey = ApiKeyView.extend({
  key: z.string().describe('The key itself. Shown once; only its hash is stored.'),
}).meta({ id: 'CreatedApiKey' });

export const ApiKeyList = z.object({ items: z.array(ApiKeyView) }).meta({ id: 'ApiKeyList' });

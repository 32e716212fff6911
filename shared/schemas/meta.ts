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

import * as z from 'zod';

export const Health = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    store: z.enum(['dynamodb', 'dynalite']),
    secrets: z.enum(['secrets-manager', 'file']),
    time: z.iso.datetime(),
  })
  .meta({ id: 'Health' });

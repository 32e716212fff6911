import * as z from 'zod/mini';
import '../zod-locale.js';
import { ScopeSchema } from './api-keys.js';

export const CreateConsoleSessionBody = z
  .strictObject({
    apiKey: z
      .string()
      .check(z.minLength(1), z.maxLength(200), z.describe('A Hookbridge API key (hbk_…, or the admin key)')),
  })
  .register(z.globalRegistry, { id: 'CreateConsoleSessionBody' });

export const ConsoleSessionView = z
  .object({
    keyId: z.string().check(z.describe('The API key the session acts as (`admin` for the bootstrap key)')),
    scopes: z.array(ScopeSchema),
    csrfToken: z
      .string()
      .check(z.describe('Send as X-Hookbridge-CSRF on every /console/api call and on sign-out')),
    expiresAt: z.string(),
  })
  .register(z.globalRegistry, { id: 'ConsoleSessionView' });

export const ConsoleSessionsEnded = z
  .object({
    ended: z.number().check(z.int(), z.describe('How many live console sessions were ended')),
  })
  .register(z.globalRegistry, { id: 'ConsoleSessionsEnded' });

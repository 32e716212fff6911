import * as z from 'zod';

/** Scopes an API key can carry. `admin` implies every other scope. */
export const SCOPES = [
  'admin',
  'events:read',
  'events:replay',
  'destinations:write',
  'payments:read',
  'integrations:write',
  'connections:read',
  'connections:write',
  'connections:token',
  'proxy',
] as const;

export const ScopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof ScopeSchema>;

export const hasScope = (granted: readonly Scope[], needed: Scope): boolean =>
  granted.includes('admin') || granted.includes(needed);

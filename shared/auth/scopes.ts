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

// Plain data, no zod: the webhook hot path imports this and should not pay for a schema library.
export type Scope = (typeof SCOPES)[number];

export const hasScope = (granted: readonly Scope[], needed: Scope): boolean =>
  granted.includes('admin') || granted.includes(needed);

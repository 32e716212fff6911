import * as z from 'zod';
import { IdParam } from './common.js';

/** Nesting depth of a JSON value (a scalar is 0); stops counting past `limit`. */
const depthOf = (v: unknown, limit: number): number => {
  if (v === null || typeof v !== 'object' || limit < 0) return 0;
  let deepest = 0;
  for (const child of Object.values(v)) deepest = Math.max(deepest, depthOf(child, limit - 1));
  return deepest + 1;
};
export const METADATA_MAX_DEPTH = 8;

export const CreateConnectSessionBody = z
  .object({
    integrationId: IdParam,
    endUserId: z.string().min(1).max(200),
    /** Must be under one of the integration's allowedReturnUrls; without it a success page is shown. */
    returnUrl: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .refine((v) => JSON.stringify(v.metadata).length <= 4096, {
    message: 'metadata is at most 4 KB of JSON',
    path: ['metadata'],
  })
  // DynamoDB refuses documents nested deeper than 32 levels; the app's metadata gets far fewer.
  .refine((v) => depthOf(v.metadata, METADATA_MAX_DEPTH + 1) <= METADATA_MAX_DEPTH, {
    message: `metadata is nested at most ${METADATA_MAX_DEPTH} levels deep`,
    path: ['metadata'],
  })
  .meta({ id: 'CreateConnectSession' });

export const ConnectSessionCreated = z
  .object({ id: z.string(), url: z.url(), expiresAt: z.iso.datetime() })
  .meta({ id: 'ConnectSession' });

export const ConnectionView = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    provider: z.string(),
    endUserId: z.string(),
    status: z.enum(['active', 'needs_reauth']),
    scopes: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    providerMetadata: z.record(z.string(), z.unknown()),
    expiresAt: z.iso.datetime().optional(),
    hasRefreshToken: z.boolean(),
    refreshFailures: z.number().int(),
    lastError: z.string().optional(),
    lastRefreshedAt: z.iso.datetime().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Connection' });

export const ConnectionList = z
  .object({ items: z.array(ConnectionView), nextCursor: z.string().optional() })
  .meta({ id: 'ConnectionList' });

export const ListConnectionsQuery = z
  .object({
    endUserId: z.string().min(1).max(200).optional(),
    integrationId: IdParam.optional(),
    status: z.enum(['active', 'needs_reauth']).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

export const AccessTokenView = z
  .object({
    accessToken: z.string(),
    tokenType: z.string(),
    expiresAt: z.iso.datetime().optional(),
    connectionId: z.string(),
    integrationId: z.string(),
    provider: z.string(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AccessToken' });

export const ConnectionDeleted = z
  .object({
    id: z.string(),
    deleted: z.literal(true),
    revokedAtProvider: z.union([z.boolean(), z.literal('unsupported')]),
    revocationError: z.string().optional(),
  })
  .meta({ id: 'ConnectionDeleted' });

export const AuthorizeQuery = z.object({ session: z.string().min(1).max(200) });

import * as z from 'zod/mini';
import '../zod-locale.js';
import { MAX_SESSION_CHARS } from '../connections/model.js';
import { CursorParam, IdParam, limitParam, listOf } from './common.js';

/** Nesting depth of a JSON value (a scalar is 0); stops counting past `limit`. */
const depthOf = (v: unknown, limit: number): number => {
  if (v === null || typeof v !== 'object' || limit < 0) return 0;
  let deepest = 0;
  for (const child of Object.values(v)) deepest = Math.max(deepest, depthOf(child, limit - 1));
  return deepest + 1;
};
export const METADATA_MAX_DEPTH = 8;

const EndUserId = z.string().check(z.minLength(1), z.maxLength(200));
const Metadata = z.record(z.string(), z.unknown());

export const CreateConnectSessionBody = z
  .strictObject({
    integrationId: IdParam,
    endUserId: EndUserId,
    /** Must be under one of the integration's allowedReturnUrls; without it a success page is shown. */
    returnUrl: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2000))),
    metadata: z._default(Metadata, {}),
  })
  .check(
    z.refine((v: { metadata: Record<string, unknown> }) => JSON.stringify(v.metadata).length <= 4096, {
      message: 'metadata is at most 4 KB of JSON',
      path: ['metadata'],
    }),
    // DynamoDB refuses documents nested deeper than 32 levels; the app's metadata gets far fewer.
    z.refine(
      (v: { metadata: Record<string, unknown> }) =>
        depthOf(v.metadata, METADATA_MAX_DEPTH + 1) <= METADATA_MAX_DEPTH,
      {
        message: `metadata is nested at most ${METADATA_MAX_DEPTH} levels deep`,
        path: ['metadata'],
      },
    ),
  )
  .register(z.globalRegistry, { id: 'CreateConnectSession' });

export const ConnectSessionCreated = z
  .object({ id: z.string(), url: z.url(), expiresAt: z.iso.datetime() })
  .register(z.globalRegistry, { id: 'ConnectSession' });

const ConnectionStatus = z.enum(['active', 'needs_reauth']);

export const ConnectionView = z
  .object({
    id: z.string(),
    integrationId: z.string(),
    provider: z.string(),
    endUserId: z.string(),
    status: ConnectionStatus,
    scopes: z.array(z.string()),
    metadata: Metadata,
    providerMetadata: Metadata,
    expiresAt: z.optional(z.iso.datetime()),
    hasRefreshToken: z.boolean(),
    refreshFailures: z.number().check(z.int()),
    lastError: z.optional(z.string()),
    lastRefreshedAt: z.optional(z.iso.datetime()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .register(z.globalRegistry, { id: 'Connection' });

export const ConnectionList = listOf(ConnectionView, 'ConnectionList');

export const ListConnectionsQuery = z.strictObject({
  endUserId: z.optional(EndUserId),
  integrationId: z.optional(IdParam),
  status: z.optional(ConnectionStatus),
  limit: limitParam(100),
  cursor: CursorParam,
});

export const AccessTokenView = z
  .object({
    accessToken: z.string(),
    tokenType: z.string(),
    expiresAt: z.optional(z.iso.datetime()),
    connectionId: z.string(),
    integrationId: z.string(),
    provider: z.string(),
    metadata: Metadata,
  })
  .register(z.globalRegistry, { id: 'AccessToken' });

/** A revocation that failed at delete and is retried in the background (never the tokens). */
export const RevocationView = z
  .object({
    connectionId: z.string(),
    integrationId: z.string(),
    status: z.enum(['pending', 'revoked', 'failed']),
    attempts: z.number().check(z.int()),
    nextAttemptAt: z.optional(z.iso.datetime()),
    lastError: z.optional(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .register(z.globalRegistry, { id: 'Revocation' });

export const ConnectionDeleted = z
  .object({
    id: z.string(),
    deleted: z.literal(true),
    revokedAtProvider: z.union([z.boolean(), z.literal('unsupported')]),
    revocationError: z.optional(z.string()),
    /** Present when the failure may pass: the job that retries it. */
    revocationRetry: z.optional(RevocationView),
  })
  .register(z.globalRegistry, { id: 'ConnectionDeleted' });

export const AuthorizeQuery = z.object({
  session: z.string().check(z.minLength(1), z.maxLength(MAX_SESSION_CHARS)),
});

/**
 * Per-function settings for the CDK stack. Every function named in the route table (and every
 * non-HTTP function) has an entry. Memory and timeout are chosen per function; the reason is
 * written beside each.
 */
export type TableAccess = 'none' | 'read' | 'write' | 'readwrite';

export interface FunctionSettings {
  description: string;
  memoryMb: number;
  timeoutSec: number;
  /** DynamoDB access this function needs. */
  table: TableAccess;
  /** Secrets Manager name prefixes it may read (e.g. `hookbridge/webhooks/`). */
  secrets: string[];
  /** Why these numbers. */
  why: string;
}

export const FUNCTION_SETTINGS: Record<string, FunctionSettings> = {
  meta: {
    description: 'Health, OpenAPI document, and 404/405 for unmatched routes',
    memoryMb: 256,
    timeoutSec: 5,
    table: 'none',
    secrets: [],
    why: 'No I/O; 256 MB is enough CPU to serialise the cached OpenAPI document.',
  },
  'api-keys': {
    description: 'Admin: create, list and revoke API keys',
    memoryMb: 256,
    timeoutSec: 10,
    table: 'readwrite',
    secrets: ['hookbridge/admin'],
    why: 'One or two DynamoDB calls per request; rarely called.',
  },
};

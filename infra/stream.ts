/**
 * The DynamoDB stream -> `events-process` wiring, as data: one source for the CDK event source
 * mapping and the local stream emulator (infra/local/stream.ts), so the two cannot drift apart.
 */
import { EVENT } from '../shared/adapters/dynamodb/keys.js';
import { TABLE } from '../shared/table.js';

/** Lambda event filter pattern: only newly inserted `event` records reach the processor. */
export const STREAM_FILTER_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { [TABLE.kindAttribute]: { S: [EVENT.kind] } } },
} as const;

export const STREAM_SETTINGS = {
  function: 'events-process',
  startingPosition: 'TRIM_HORIZON',
  batchSize: 10,
  maxBatchingWindowSec: 0,
  /** Split a failing batch to isolate the poison record. */
  bisectBatchOnError: true,
  /** Retries per record before it goes to the on-failure destination (an SQS DLQ on AWS). */
  retryAttempts: 5,
  maxRecordAgeSec: 86_400,
  reportBatchItemFailures: true,
  /** One batch per shard at a time keeps per-key stream order. */
  parallelizationFactor: 1,
} as const;

type Pattern = { readonly [k: string]: Pattern | readonly (string | number)[] };

/** Evaluates the subset of the EventBridge/Lambda pattern grammar we use: nested keys, value lists. */
export function matchesPattern(value: unknown, pattern: Pattern): boolean {
  if (value === null || typeof value !== 'object') return false;
  for (const [key, want] of Object.entries(pattern)) {
    const got = (value as Record<string, unknown>)[key];
    if (Array.isArray(want)) {
      if (!(want as readonly unknown[]).includes(got)) return false;
    } else if (!matchesPattern(got, want as Pattern)) return false;
  }
  return true;
}

export const passesStreamFilter = (record: unknown): boolean =>
  matchesPattern(record, STREAM_FILTER_PATTERN as unknown as Pattern);

/** Ports for what every function meets at the edge of the process: time, secrets, outbound fetch. */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A secret store: returns the secret's parsed JSON value (or raw string), or undefined if absent. */
export interface SecretStore {
  readonly kind: 'secrets-manager' | 'file';
  getSecret(name: string): Promise<unknown | undefined>;
}

export type Fetch = typeof fetch;

/**
 * Sees every DynamoDB call and secret read before it is made, and throws to refuse it. The local
 * runtime checks each against the running function's IAM grants (or records it); on AWS, IAM does.
 */
export interface CallGuard {
  /** `action` is the IAM action name: PutItem, Query, TransactWriteItems, ... */
  dynamodb(action: string): void;
  secret(name: string): void;
}

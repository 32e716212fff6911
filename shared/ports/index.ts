/** Ports: what the core needs from the outside world. Adapters implement them. */

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

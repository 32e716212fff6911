import { HookbridgeError } from './errors.js';
import type { CallGuard, Clock, SecretStore } from './ports/index.js';

/** The value the CDK stack writes into secrets the operator must still set; never a usable key. */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

/**
 * How to set a secret, for error messages: in file mode (the local runtime) edit the secrets
 * file; with Secrets Manager, the aws command. `example` is the JSON value to write.
 */
export function howToSetSecret(where: SecretLocation, name: string, example: string): string {
  if (where.kind === 'file')
    return `edit ${where.file ?? 'the secrets file'} and set "${name}" to ${example}`;
  return `set it with aws secretsmanager put-secret-value --secret-id ${name} --secret-string '${example}'`;
}

/** Where secrets live, for the fix an error message suggests. */
export interface SecretLocation {
  kind: SecretStore['kind'];
  /** The secrets file, when `kind` is `file`. */
  file?: string | undefined;
}

/** The secret still holds the stack's placeholder: fail closed (500), saying how to set it. */
export const placeholderError = (where: SecretLocation, name: string, example: string): HookbridgeError =>
  new HookbridgeError(
    'misconfigured',
    `Secret ${name} still holds the placeholder ${SECRET_PLACEHOLDER}; ${howToSetSecret(where, name, example)}`,
  );

/** Parses a stored secret value: JSON text, an already-parsed object, or a plain string. */
export function parseSecretValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  return value;
}

interface Entry {
  value: unknown;
  fetchedAt: number;
}

/** When a verification failure may force a re-read (see SecretCache.refreshAfterFailure). */
export interface ForcedRefreshLimits {
  /** Re-read a name only if its cached copy is at least this old (3 s). */
  minAgeMs?: number;
  /** At most this many forced re-reads, all names together, in any 60 s (60). */
  perMinute?: number;
}

/**
 * In-function secret cache. Values live at most `ttlMs` (5 min by default). After a verification
 * failure a caller may ask for a forced re-read: granted when the cached copy is older than
 * `minAgeMs` (a few seconds), so a rotation takes effect within that whatever other traffic does,
 * and only while fewer than `perMinute` forced re-reads (all names) happened in the last minute, so
 * a flood of bad requests cannot hammer the store. At most `maxNames` names are kept (least
 * recently used evicted), so requests naming random sources (each a cached miss) cannot grow
 * memory without bound.
 */
export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly lastForced = new Map<string, number>();
  /** Start times of the forced re-reads in the last minute, oldest first. */
  private readonly forcedTimes: number[] = [];
  private readonly minAgeMs: number;
  private readonly perMinute: number;

  constructor(
    readonly store: SecretStore,
    private readonly clock: Clock,
    private readonly ttlMs = 300_000,
    forced: ForcedRefreshLimits = {},
    private readonly maxNames = 500,
    /**
     * The local runtime checks every read against the running function's grants here (one cache
     * serves all functions in one process there, so the store alone would miss cache hits).
     */
    private readonly guard?: CallGuard,
  ) {
    this.minAgeMs = forced.minAgeMs ?? 3000;
    this.perMinute = forced.perMinute ?? 60;
  }

  /** How many names are cached (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  async get(name: string): Promise<unknown | undefined> {
    this.guard?.secret(name);
    const hit = this.entries.get(name);
    if (hit && this.clock.now() - hit.fetchedAt < this.ttlMs) {
      // Map order is insertion order: re-inserting makes this the most recently used.
      this.entries.delete(name);
      this.entries.set(name, hit);
      return hit.value;
    }
    return this.load(name);
  }

  /**
   * Re-read after a failure if the cached copy (or the last forced re-read) is older than
   * `minAgeMs` and the per-minute ceiling allows it. Returns whether the value changed.
   */
  async refreshAfterFailure(name: string): Promise<boolean> {
    const now = this.clock.now();
    const newest = Math.max(
      this.entries.get(name)?.fetchedAt ?? Number.NEGATIVE_INFINITY,
      this.lastForced.get(name) ?? Number.NEGATIVE_INFINITY,
    );
    if (now - newest < this.minAgeMs) return false;
    while (this.forcedTimes.length && now - this.forcedTimes[0]! >= 60_000) this.forcedTimes.shift();
    if (this.forcedTimes.length >= this.perMinute) return false;
    this.forcedTimes.push(now);
    this.remember(this.lastForced, name, now);
    const before = this.entries.get(name)?.value;
    const after = await this.load(name);
    return JSON.stringify(before) !== JSON.stringify(after);
  }

  invalidate(name?: string): void {
    if (name === undefined) this.entries.clear();
    else this.entries.delete(name);
  }

  /** Sets `name` as the most recently used, evicting the least recently used past `maxNames`. */
  private remember<V>(map: Map<string, V>, name: string, value: V): void {
    map.delete(name);
    map.set(name, value);
    while (map.size > this.maxNames) map.delete(map.keys().next().value!);
  }

  private load(name: string): Promise<unknown | undefined> {
    const running = this.inflight.get(name);
    if (running) return running;
    const p = (async () => {
      try {
        const value = parseSecretValue(await this.store.getSecret(name));
        this.remember(this.entries, name, { value, fetchedAt: this.clock.now() });
        return value;
      } catch (err) {
        if (err instanceof HookbridgeError) throw err;
        throw new HookbridgeError('secrets_unavailable', 'Secret store is unavailable', { cause: err });
      } finally {
        this.inflight.delete(name);
      }
    })();
    this.inflight.set(name, p);
    return p;
  }
}

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

/**
 * In-function secret cache. Values live at most `ttlMs` (5 min by default). After a verification
 * failure a caller may ask for a forced re-read, granted at most once per `forcedRefreshMs` per
 * name, so a rotation takes effect at once but a flood of bad requests cannot hammer the store.
 * At most `maxNames` names are kept (least recently used evicted), so requests naming random
 * sources (each a cached miss) cannot grow memory without bound.
 */
export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly lastForced = new Map<string, number>();

  constructor(
    readonly store: SecretStore,
    private readonly clock: Clock,
    private readonly ttlMs = 300_000,
    private readonly forcedRefreshMs = 60_000,
    private readonly maxNames = 500,
    /**
     * The local runtime checks every read against the running function's grants here (one cache
     * serves all functions in one process there, so the store alone would miss cache hits).
     */
    private readonly guard?: CallGuard,
  ) {}

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

  /** Re-read after a failure, unless one was forced within the last minute. Returns whether it re-read. */
  async refreshAfterFailure(name: string): Promise<boolean> {
    const now = this.clock.now();
    const last = this.lastForced.get(name) ?? Number.NEGATIVE_INFINITY;
    const hit = this.entries.get(name);
    if (now - last < this.forcedRefreshMs || (hit && now - hit.fetchedAt < 1000)) return false;
    this.remember(this.lastForced, name, now);
    const before = hit?.value;
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

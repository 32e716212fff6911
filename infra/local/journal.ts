/**
 * An append-only JSON-lines file in the local data dir: what the emulated stream and queue keep so
 * a crash (kill -9) loses nothing. Appends are written at once (a killed process's writes survive
 * in the OS); sync() also makes them durable on disk, many callers sharing one fdatasync.
 */
import { closeSync, fdatasync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

export class Journal {
  private fd = -1;
  private syncing: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** Entries appended since the file was last rewritten. */
  appended = 0;

  /** Opens `path` for appending, after rewriting it as `entries`. */
  constructor(
    private readonly path: string,
    entries: readonly unknown[],
  ) {
    this.rewrite(entries);
  }

  /** Replaces the file with `entries` (a compaction, durable and atomic by rename); not while a sync runs. */
  rewrite(entries: readonly unknown[]): void {
    if (this.syncing) return;
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.appended = 0;
  }

  /** The entries of `path`, oldest first; undefined when it does not exist. A torn last line is skipped. */
  static read<T>(path: string): T[] | undefined {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const out: T[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        // The process died mid-append: that entry was never acknowledged.
      }
    }
    return out;
  }

  append(entry: unknown): void {
    if (this.fd < 0) return;
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    this.appended++;
  }

  /** Resolves once everything appended before the call is on disk. */
  sync(): Promise<void> {
    if (this.fd < 0) return Promise.resolve();
    if (!this.syncing) {
      const fd = this.fd;
      this.syncing = new Promise<void>((resolve, reject) =>
        fdatasync(fd, (err) => (err ? reject(err) : resolve())),
      ).finally(() => {
        this.syncing = undefined;
      });
      return this.syncing;
    }
    // A sync is running, but it may have started before this caller's append: wait for the next.
    this.next ??= this.syncing
      .then(undefined, () => undefined)
      .then(() => {
        this.next = undefined;
        return this.sync();
      });
    return this.next;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

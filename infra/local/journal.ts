/**
 * An append-only JSON-lines file in the local data dir: what the emulated stream and queue keep so
 * a crash (kill -9) loses nothing. Appends are written at once (a killed process's writes survive
 * in the OS); sync() also makes them durable on disk, many callers sharing one fdatasync.
 */
import { closeSync, fdatasync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

export class Journal {
  private fd: number;
  private syncing: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  /** Opens `path` for appending, after rewriting it as `entries` (a compaction; atomic by rename). */
  constructor(path: string, entries: readonly unknown[]) {
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    this.fd = openSync(path, 'a');
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
    if (this.fd >= 0) writeSync(this.fd, `${JSON.stringify(entry)}\n`);
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

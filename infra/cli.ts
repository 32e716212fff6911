/**
 * How every command-line tool (npm start, send-webhook, vault:reencrypt, the CDK app) fails: one
 * line on stderr naming the cause and the fix, a non-zero exit, never a stack trace.
 */

/** A failure whose message already names the cause and the fix. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

type Errno = Error & { code?: string; cause?: unknown };

/** The cause's errno code (`ECONNREFUSED`, `EADDRINUSE`, ...) through `cause` chains such as fetch's. */
export function errnoOf(err: unknown): string | undefined {
  for (let e = err as Errno | undefined, i = 0; e && i < 5; e = e.cause as Errno | undefined, i++)
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  return undefined;
}

/** A short cause for a message: the errno code, else the innermost cause's message. */
export function causeOf(err: unknown): string {
  let inner = err as Errno | undefined;
  while (inner?.cause instanceof Error) inner = inner.cause as Errno;
  return errnoOf(err) ?? oneLine(inner ?? err);
}

/** The one line printed for `err`: its message, on one line, for a known failure; a generic line otherwise. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim() || 'failed';
}

/** Prints `error: <one line>` and exits with the error's code (1 unless a CliError says otherwise). */
export function fail(err: unknown): never {
  process.stderr.write(`error: ${oneLine(err)}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}

/** Runs a tool's main, then exits (open sockets do not keep it alive); any failure becomes one line and a non-zero exit. */
export async function runCli(main: () => Promise<void>): Promise<never> {
  try {
    await main();
  } catch (err) {
    fail(err);
  }
  process.exit(process.exitCode ?? 0);
}

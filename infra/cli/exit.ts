/** The `hookbridge` CLI's exit codes (docs/cli.md lists them). */
export const EXIT = {
  ok: 0,
  /** The command ran and failed: the service refused the request, a trigger was rejected, ... */
  failure: 1,
  /** Bad command line: unknown command, flag or value. */
  usage: 2,
  /** The service could not be reached (refused, DNS, timeout). */
  unreachable: 3,
  /** The service refused the API key (401/403). */
  auth: 4,
} as const;

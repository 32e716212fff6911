/**
 * One error hierarchy for the whole service. Every error carries a stable `code`; the HTTP
 * mapping (status, title) lives in exactly one table below, and `toProblem` is the only place
 * that turns an error into an RFC 9457 problem+json body.
 */

export const ERROR_STATUS = {
  // 400
  invalid_json: 400,
  invalid_request: 400,
  invalid_query: 400,
  invalid_cursor: 400,
  // 401
  unauthorized: 401,
  missing_signature: 401,
  malformed_header: 401,
  bad_signature: 401,
  stale_timestamp: 401,
  future_timestamp: 401,
  // 403
  forbidden: 403,
  insufficient_scope: 403,
  ssrf_blocked: 403,
  // 404 / 405 / 409 / 410 / 413 / 415 / 429 / 431
  not_found: 404,
  unknown_provider: 404,
  unknown_source: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  headers_too_large: 431,
  // OAuth (browser-facing errors are rendered as pages, API-facing as problem+json)
  invalid_state: 400,
  missing_state_cookie: 400,
  invalid_session: 400,
  invalid_return_url: 400,
  issuer_mismatch: 400,
  invalid_id_token: 400,
  token_exchange_failed: 502,
  needs_reauth: 409,
  invalid_grant: 400,
  /** The user (or the provider) declined the authorization request. */
  access_denied: 403,
  /** The provider answered the authorization request with another error (RFC 6749 4.1.2.1). */
  provider_error: 502,
  // 5xx
  store_unavailable: 503,
  secrets_unavailable: 503,
  upstream_error: 502,
  upstream_timeout: 504,
  misconfigured: 500,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export class HookbridgeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra, safe-to-show members of the problem body (never secrets). */
  readonly extensions: Record<string, unknown>;
  /** Extra response headers, e.g. `Allow` or `Retry-After`. */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { cause?: unknown; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HookbridgeError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export const isHookbridgeError = (err: unknown): err is HookbridgeError => err instanceof HookbridgeError;

const TITLES: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'Request body is not valid JSON',
  invalid_request: 'Request is invalid',
  unauthorized: 'Missing or invalid API key',
  insufficient_scope: 'API key lacks the required scope',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  payload_too_large: 'Payload too large',
  store_unavailable: 'Storage is unavailable; retry later',
  internal: 'Internal error',
};

const titleFor = (code: ErrorCode): string =>
  TITLES[code] ?? code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** The only place an error becomes a problem+json document. Unknown errors never leak detail. */
export function toProblem(
  err: unknown,
  instance?: string,
): { problem: ProblemDetails; headers: Record<string, string> } {
  const e = isHookbridgeError(err) ? err : new HookbridgeError('internal');
  const problem: ProblemDetails = {
    ...e.extensions,
    type: `https://hookbridge.dev/problems/${e.code.replace(/_/g, '-')}`,
    title: titleFor(e.code),
    status: e.status,
    code: e.code,
  };
  if (e.message && e.message !== e.code && e.code !== 'internal') problem.detail = e.message;
  if (instance) problem.instance = instance;
  return { problem, headers: e.headers };
}

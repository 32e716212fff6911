/**
 * Structured JSON logging with redaction. A hand-rolled logger (not Powertools Logger): it costs
 * nothing at cold start and the redaction rules are ours. See README "Logging" for the measurement.
 */

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SENSITIVE_KEY =
  /^(authorization|cookie|set-cookie|proxy-authorization|x-api-key|api[-_]?key|secret|secrets|client[-_]?secret|password|token|access[-_]?token|refresh[-_]?token|id[-_]?token|code[-_]?verifier|private[-_]?key|signature|.*-signature|x-hub-signature.*|stripe-signature|bt_signature|key|keys|hash)$/i;

const REDACTED = '[redacted]';

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    if (value instanceof Error)
      return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SENSITIVE_KEY.test(k) ? REDACTED : redact(v, depth + 1);
    return out;
  }
  if (typeof value === 'string') {
    // Bearer tokens and our own API keys never reach a log line, whatever field carries them.
    return value
      .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
      .replace(/hbk_[A-Za-z0-9_-]+/g, REDACTED);
  }
  return value;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  base: Record<string, unknown> = {},
  opts: { level?: Level; write?: (line: string) => void } = {},
): Logger {
  const min = ORDER[opts.level ?? 'info'] ?? ORDER.info;
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const record = redact({ level, time: new Date().toISOString(), msg, ...base, ...fields });
    write(JSON.stringify(record));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  };
}

export const log: Logger = createLogger({ service: 'hookbridge' });

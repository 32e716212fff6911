/**
 * `npm start`'s activity lines: one per stored, rejected, delivered, retried and dead-lettered
 * event, derived from what the functions already do (the items they write, their own log lines),
 * so the Lambda code does no extra work. Ids, types, statuses and reasons only: never a body,
 * header or secret.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ATTEMPT, EVENT } from '../../shared/adapters/dynamodb/keys.js';

export type Activity =
  | { kind: 'stored'; provider: string; source: string; eventId: string; type: string; id: string }
  | { kind: 'rejected'; provider: string; source: string; reason: string }
  | {
      kind: 'delivered' | 'retried' | 'dead-lettered';
      destinationId: string;
      eventId: string;
      detail: string;
    };

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '-');

/** The activity a successful put stands for: an event stored, or a delivery attempt's outcome. */
export function activityOfItem(image: Record<string, unknown>): Activity | undefined {
  const kind = (image.kind as { S?: unknown } | undefined)?.S;
  if (kind !== EVENT.kind && kind !== ATTEMPT.kind) return undefined;
  const it = unmarshall(image as never) as Record<string, unknown>;
  if (it.kind === EVENT.kind)
    return {
      kind: 'stored',
      provider: str(it.provider),
      source: str(it.source),
      eventId: str(it.eventId),
      type: str(it.type),
      id: str(it.id),
    };
  if (it.kind !== ATTEMPT.kind) return undefined;
  const status = it.status ? `HTTP ${str(it.status)}` : str(it.error);
  const base = { destinationId: str(it.destinationId), eventId: str(it.eventId) };
  const attempt = `attempt ${Number(it.attempt) + 1}`;
  if (it.outcome === 'delivered') return { kind: 'delivered', ...base, detail: `${status}, ${attempt}` };
  if (it.outcome === 'retry')
    return {
      kind: 'retried',
      ...base,
      detail: `${status}, ${attempt}, next at ${clockTime(str(it.nextAttemptAt))}`,
    };
  const why = it.outcome === 'gone' ? 'HTTP 410, destination disabled' : `${status}, ${attempt}`;
  return { kind: 'dead-lettered', ...base, detail: why };
}

/** The functions' log lines an activity line stands for (the rejection warning); the rest are not activity. */
export function activityOfLog(line: string): Activity | 'covered' | undefined {
  if (line.includes('"msg":"delivery dead-lettered"')) return 'covered';
  if (!line.includes('"msg":"webhook rejected"')) return undefined;
  const r = JSON.parse(line) as Record<string, unknown>;
  return { kind: 'rejected', provider: str(r.provider), source: str(r.source), reason: str(r.reason) };
}

const clockTime = (iso: string): string => {
  const d = iso === '-' ? new Date() : new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toTimeString().slice(0, 8);
};

/** `12:00:01 stored         stripe  default  evt_123  payment_intent.succeeded` */
export function formatActivity(a: Activity, at = new Date().toISOString()): string {
  const fields =
    a.kind === 'stored'
      ? [a.provider, a.source, a.eventId, a.type, `id ${a.id}`]
      : a.kind === 'rejected'
        ? [a.provider, a.source, a.reason]
        : [a.destinationId, a.eventId, a.detail];
  return `${clockTime(at)} ${a.kind.padEnd(13)}  ${fields.join('  ')}`;
}

import { useEffect, useState } from 'preact/hooks';
import { api, can, enc, query, type Session } from './api.js';
import { Action, Empty, ErrorBox, Fields, instant, Loading, Status, useData, when } from './ui.js';

interface EventSummary {
  id: string;
  provider: string;
  source: string;
  eventId: string;
  type: string;
  receivedAt: string;
  bodySize: number;
  flagged?: string;
}
interface EventDetail extends EventSummary {
  headers: Record<string, string>;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  contentType?: string;
  occurredAt?: string;
  bodySha256: string;
  /** Absent on an event a reconciler listed from the provider's events API (`via: reconciliation`). */
  verification?: { secretName: string; matchedSecret: number };
  reconciliation?: { reconcilerId: string };
  normalised: NormalisedPart[];
}
interface NormalisedPart {
  part: number;
  webhookId: string;
  type: string;
  payload?: unknown;
  payloadOmitted?: true;
}
interface Attempt {
  attempt: number;
  round: number;
  at: string;
  status: number;
  latencyMs: number;
  outcome: string;
  responseExcerpt?: string;
  error?: string;
  nextAttemptAt?: string;
}
interface Delivery {
  destinationId: string;
  part: number;
  webhookId: string;
  status: string;
  attempts: Attempt[];
  nextAttemptAt?: string;
  deadReason?: string;
}

/** New events appear without a reload: the list is read again every 3 s. */
export const POLL_MS = 3000;

/** The list's filters, as GET /events takes them (from / to as ISO instants). */
const FILTERS = [
  ['provider', 'Provider', 'stripe'],
  ['source', 'Source', 'default'],
  ['type', 'Type', 'charge.succeeded'],
  ['eventId', 'Provider event id', 'evt_1Nx…'],
] as const;
type Filters = Partial<Record<(typeof FILTERS)[number][0] | 'from' | 'to', string>>;

export function EventList() {
  const [filters, setFilters] = useState<Filters>({});
  const [search, setSearch] = useState('');
  const apply = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const next: Filters = {};
    for (const k of [...FILTERS.map((x) => x[0]), 'from', 'to'] as const) {
      const v = String(f.get(k) ?? '').trim();
      if (v) next[k] = v;
    }
    setFilters(next);
  };
  const list = useData(
    () =>
      api<{ items: EventSummary[] }>(
        'GET',
        `/events${query({ ...filters, from: instant(filters.from ?? ''), to: instant(filters.to ?? ''), limit: '50' })}`,
      ),
    [JSON.stringify(filters)],
    POLL_MS,
  );
  const items = list.data?.items;
  const filtered = Object.values(filters).some(Boolean);
  return (
    <section>
      <h1>Events</h1>
      <form class="toolbar filters" onSubmit={apply} aria-label="Filter events">
        {FILTERS.map(([k, label, hint]) => (
          <label key={k}>
            {label}
            <input name={k} placeholder={hint} />
          </label>
        ))}
        <label class="when">
          From
          <input name="from" type="datetime-local" step={1} />
        </label>
        <label class="when">
          To
          <input name="to" type="datetime-local" step={1} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <form
        class="toolbar search"
        onSubmit={(e) => {
          e.preventDefault();
          if (search.trim()) location.hash = `#/events/${enc(search.trim())}`;
        }}
      >
        <label>
          Event id
          <input value={search} placeholder="evt_…" onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <button type="submit">Open</button>
      </form>
      <ErrorBox error={list.error} />
      {!items ? (
        !list.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>
          No events{filtered ? ' match these filters' : ' yet'}. Send one with{' '}
          <code>npm run send-webhook -- stripe</code>; it appears here within seconds.
        </Empty>
      ) : (
        <table class="list" aria-label="Events, newest first">
          <thead>
            <tr>
              <th>Received</th>
              <th>Provider</th>
              <th>Type</th>
              <th>Event</th>
              <th>Provider event id</th>
              <th class="num">Size</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-event-id={e.id}>
                <td>{when(e.receivedAt)}</td>
                <td>
                  {e.provider}
                  {e.source !== 'default' && <span class="muted"> / {e.source}</span>}
                </td>
                <td>{e.type}</td>
                <td>
                  <a href={`#/events/${enc(e.id)}`}>{e.id}</a>
                  {e.flagged && <Status value={e.flagged} />}
                </td>
                <td class="wrap">{e.eventId}</td>
                <td class="num">{e.bodySize} B</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function prettyBody(e: EventDetail): string {
  if (e.bodyEncoding === 'base64') return `(${e.bodySize} bytes, base64)\n${e.body}`;
  try {
    return JSON.stringify(JSON.parse(e.body), null, 2);
  } catch {
    return e.body;
  }
}

/** The body's exact bytes: bodyEncoding utf8 only when the text encodes back to the same bytes. */
const rawBytes = (e: EventDetail): Uint8Array =>
  e.bodyEncoding === 'base64'
    ? Uint8Array.from(atob(e.body), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(e.body);

/** A link that saves the body as sent: its exact bytes, with the content type it arrived with. */
function Download({ e }: { e: EventDetail }) {
  const [href, setHref] = useState('');
  useEffect(() => {
    const url = URL.createObjectURL(
      new Blob([rawBytes(e) as BlobPart], { type: e.contentType ?? 'application/octet-stream' }),
    );
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [e]);
  const ext = /json/.test(e.contentType ?? '') ? 'json' : /form/.test(e.contentType ?? '') ? 'txt' : 'bin';
  return (
    <p>
      <a href={href} download={`${e.id}.${ext}`}>
        Download as sent
      </a>{' '}
      <span class="muted">
        ({e.bodySize} bytes, {e.contentType ?? 'no content type'})
      </span>
    </p>
  );
}

export function EventPage({ id, session }: { id: string; session: Session }) {
  const event = useData(() => api<EventDetail>('GET', `/events/${enc(id)}`), [id]);
  const deliveries = useData(
    () => api<{ items: Delivery[] }>('GET', `/events/${enc(id)}/deliveries`),
    [id],
    POLL_MS,
  );
  const e = event.data;
  return (
    <section>
      <p>
        <a href="#/events">← Events</a>
      </p>
      <h1>Event {id}</h1>
      <ErrorBox error={event.error} />
      {!e ? (
        !event.error && <Loading />
      ) : (
        <>
          <Fields
            rows={[
              ['Provider', `${e.provider} (source ${e.source})`],
              ['Type', e.type],
              ['Provider event id', e.eventId],
              ['Received', when(e.receivedAt)],
              ['Occurred', when(e.occurredAt)],
              [
                'Verification',
                e.verification ? (
                  <span key="v">
                    <Status value="verified" /> signature matched secret #{e.verification.matchedSecret} of{' '}
                    <code>{e.verification.secretName}</code>
                    {e.flagged && <Status value={e.flagged} />}
                  </span>
                ) : (
                  <span key="v">
                    <Status value="reconciled" /> listed from the provider's events API by reconciler{' '}
                    <code>{e.reconciliation?.reconcilerId}</code>
                  </span>
                ),
              ],
              ['Body', `${e.bodySize} bytes, ${e.contentType ?? 'no content type'}, sha256 ${e.bodySha256}`],
            ]}
          />
          {can(session, 'events:replay') && (
            <Replay id={id} deliveries={deliveries.data?.items ?? []} onDone={deliveries.reload} />
          )}
          <h2>Deliveries</h2>
          <ErrorBox error={deliveries.error} />
          <Deliveries items={deliveries.data?.items} />
          <h2>Normalised</h2>
          <Normalised parts={e.normalised} />
          <h2>Raw body</h2>
          <Download e={e} />
          <pre class="body">{prettyBody(e)}</pre>
          <h2>Headers</h2>
          <table class="list headers">
            <tbody>
              {Object.entries(e.headers).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>
                    <code>{v}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function Replay({ id, deliveries, onDone }: { id: string; deliveries: Delivery[]; onDone: () => void }) {
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const ids = [...new Set(deliveries.map((d) => d.destinationId))];
  return (
    <div class="toolbar replay">
      <label>
        Replay to
        <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
          <option value="">all destinations</option>
          {ids.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <Action
        label="Replay"
        kind="primary"
        run={() =>
          api<{ queued: number }>(
            'POST',
            `/events/${enc(id)}/replay`,
            target ? { destinationId: target } : {},
          )
        }
        done={(r) => {
          const n = (r as { queued: number }).queued;
          setNote(`Queued ${n} ${n === 1 ? 'delivery' : 'deliveries'}`);
          onDone();
        }}
      />
      {note && (
        <span class="note" role="status">
          {note}
        </span>
      )}
    </div>
  );
}

function Deliveries({ items }: { items: Delivery[] | undefined }) {
  if (!items) return <Loading />;
  if (!items.length)
    return <Empty>No deliveries: no destination takes this event's type (add one under Destinations).</Empty>;
  return (
    <>
      {items.map((d) => (
        <article class="delivery" key={`${d.destinationId}/${d.part}`}>
          <h3>
            {d.destinationId} <Status value={d.status} />
            {d.nextAttemptAt && <span class="muted"> next attempt {when(d.nextAttemptAt)}</span>}
            {d.deadReason && <span class="muted"> {d.deadReason}</span>}
          </h3>
          {d.attempts.length === 0 ? (
            <Empty>No attempt yet.</Empty>
          ) : (
            <ol class="timeline" aria-label={`Attempts to ${d.destinationId}`}>
              {d.attempts.map((a) => (
                <li key={`${a.round}.${a.attempt}`} class={a.outcome}>
                  <span class="when">{when(a.at)}</span>
                  <strong>
                    {a.round > 0 ? `Replay ${a.round}, attempt` : 'Attempt'} {a.attempt + 1}:{' '}
                    {a.status || 'no answer'}
                  </strong>{' '}
                  <Status value={a.outcome} /> <span class="muted">{a.latencyMs} ms</span>
                  {a.nextAttemptAt && <span class="muted"> · next {when(a.nextAttemptAt)}</span>}
                  {(a.responseExcerpt || a.error) && (
                    <code class="excerpt">{a.error ?? a.responseExcerpt}</code>
                  )}
                </li>
              ))}
            </ol>
          )}
        </article>
      ))}
    </>
  );
}

/** What destinations receive: each part's type, webhook-id and body (see Event types for the schemas). */
function Normalised({ parts }: { parts: NormalisedPart[] }) {
  return (
    <>
      {parts.map((p) => (
        <div key={p.part} class="part" data-part={p.part}>
          <p class="muted">
            {parts.length > 1 && `Part ${p.part}: `}
            <a href={`#/event-types/${enc(p.type)}`}>
              <code>{p.type}</code>
            </a>{' '}
            delivered as webhook-id <code>{p.webhookId}</code>
          </p>
          {p.payloadOmitted ? (
            <Empty>The payload is the raw body below (over 256 KiB, so not repeated here).</Empty>
          ) : (
            <pre class="body normalised">{JSON.stringify(p.payload, null, 2)}</pre>
          )}
        </div>
      ))}
    </>
  );
}

import { useState } from 'preact/hooks';
import { api, enc } from './api.js';
import { Empty, ErrorBox, instant, Loading, Status, useData, when } from './ui.js';

interface Replay {
  id: string;
  status: 'running' | 'done';
  from: string;
  to: string;
  provider?: string;
  type?: string;
  normalisedType?: string;
  destinationId?: string;
  pages: number;
  eventsScanned: number;
  deliveriesQueued: number;
  createdAt: string;
  updatedAt: string;
}

/** A running job is read again every second: its counts are the live progress. */
const PROGRESS_MS = 1000;

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const progress = (r: Replay) =>
  `${count(r.eventsScanned, 'event', 'events')} scanned, ${count(r.deliveriesQueued, 'delivery', 'deliveries')} queued, ${count(r.pages, 'page', 'pages')}`;

export function Replays() {
  const [started, setStarted] = useState<string>();
  const list = useData(() => api<{ items: Replay[] }>('GET', '/replays?limit=20'), [], PROGRESS_MS * 3);
  const items = list.data?.items;
  return (
    <section>
      <h1>Replays</h1>
      <NewReplay
        onStarted={(id) => {
          setStarted(id);
          list.reload();
        }}
      />
      {started && <Progress id={started} />}
      <h2>Recent replays</h2>
      <ErrorBox error={list.error} />
      {!items ? (
        !list.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>
          No bulk replays yet. Start one above: every stored event in the range is delivered again.
        </Empty>
      ) : (
        <table class="list" aria-label="Replays, newest first">
          <thead>
            <tr>
              <th>Id</th>
              <th>Range</th>
              <th>Filter</th>
              <th>Status</th>
              <th>Progress</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-replay-id={r.id}>
                <td>{r.id}</td>
                <td>
                  {when(r.from)} – {when(r.to)}
                </td>
                <td>
                  {[r.provider, r.type, r.normalisedType, r.destinationId && `→ ${r.destinationId}`]
                    .filter(Boolean)
                    .join(' · ') || 'everything'}
                </td>
                <td>
                  <Status value={r.status} />
                </td>
                <td>{progress(r)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The job just started, read every second until it is done. */
function Progress({ id }: { id: string }) {
  const [done, setDone] = useState(false);
  const job = useData(
    () =>
      api<Replay>('GET', `/replays/${enc(id)}`).then((r) => {
        if (r.status === 'done') setDone(true);
        return r;
      }),
    [id, done],
    done ? undefined : PROGRESS_MS,
  );
  const r = job.data;
  return (
    <div class="note" role="status" aria-label="Replay progress">
      <ErrorBox error={job.error} />
      {r ? (
        <>
          Replay {r.id}: <Status value={r.status} /> {progress(r)}
        </>
      ) : (
        !job.error && <Loading />
      )}
    </div>
  );
}

function NewReplay({ onStarted }: { onStarted: (id: string) => void }) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const optional = (k: string) => (String(f.get(k) ?? '').trim() ? { [k]: String(f.get(k)).trim() } : {});
    setError(undefined);
    setBusy(true);
    try {
      const r = await api<Replay>('POST', '/replays', {
        from: instant(String(f.get('from'))),
        to: instant(String(f.get('to'))),
        ...optional('provider'),
        ...optional('type'),
        ...optional('destinationId'),
      });
      onStarted(r.id);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card toolbar" onSubmit={submit} aria-label="New bulk replay">
      <label>
        From
        <input name="from" type="datetime-local" step={1} required />
      </label>
      <label>
        To
        <input name="to" type="datetime-local" step={1} required />
      </label>
      <label>
        Provider
        <input name="provider" placeholder="every provider" />
      </label>
      <label>
        Type
        <input name="type" placeholder="every type" />
      </label>
      <label>
        Destination
        <input name="destinationId" placeholder="every destination" />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Starting…' : 'Replay these events'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

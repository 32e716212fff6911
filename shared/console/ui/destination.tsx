import { useState } from 'preact/hooks';
import { api, enc, query } from './api.js';
import { CircuitBadge, type Destination } from './resources.js';
import { Action, Empty, ErrorBox, Fields, Loading, Status, useData, when } from './ui.js';

interface IndexedDelivery {
  eventId: string;
  part: number;
  type: string;
  status: string;
  round: number;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  nextAttemptAt?: string;
  deadReason?: string;
  updatedAt: string;
}

const POLL_MS = 3000;

export function DestinationPage({ id }: { id: string }) {
  const dest = useData(() => api<Destination>('GET', `/destinations/${enc(id)}`), [id]);
  const [note, setNote] = useState('');
  const [tick, setTick] = useState(0);
  const d = dest.data;
  const saved = (msg: string) => () => {
    setNote(msg);
    dest.reload();
    setTick((t) => t + 1);
  };
  return (
    <section>
      <p>
        <a href="#/destinations">← Destinations</a>
      </p>
      <h1>Destination {id}</h1>
      <ErrorBox error={dest.error} />
      {note && (
        <p class="note" role="status">
          {note}
        </p>
      )}
      {!d ? (
        !dest.error && <Loading />
      ) : (
        <>
          <Fields
            rows={[
              ['Kind', d.type],
              [
                'Status',
                <span key="s">
                  <Status value={d.status} />
                  {d.disabledReason && <span class="muted"> {d.disabledReason}</span>}
                </span>,
              ],
              [
                'Circuit',
                d.circuit && d.circuit.state !== 'closed' ? (
                  <span key="c">
                    <CircuitBadge d={d} />
                    <span class="muted">
                      {' '}
                      opened {when(d.circuit.openedAt)}, next probe {when(d.circuit.nextProbeAt)}
                    </span>
                  </span>
                ) : (
                  'closed: attempts go out on their schedule'
                ),
              ],
              [
                'Flow control',
                [
                  d.rateLimit ? `at most ${d.rateLimit.perSecond} per second` : '',
                  d.maxInFlight ? `at most ${d.maxInFlight} at once` : '',
                ]
                  .filter(Boolean)
                  .join(', ') || 'no limits',
              ],
            ]}
          />
          <EditDestination key={JSON.stringify(d)} d={d} onSaved={saved(`${id} saved`)} />
          <h2>Dead letters</h2>
          <Action
            label="Redrive"
            run={() => api<{ queued: number }>('POST', `/destinations/${enc(id)}/redrive`)}
            done={(r) => saved(`${id}: redrove ${(r as { queued: number }).queued} dead letters`)()}
          />
          <IndexedList id={id} status="dead" tick={tick} />
          <h2>Pending and retrying</h2>
          <IndexedList id={id} status="pending" tick={tick} />
        </>
      )}
    </section>
  );
}

/** PUT replaces the destination; its secret is kept when none is sent. */
function EditDestination({ d, onSaved }: { d: Destination; onSaved: () => void }) {
  const [error, setError] = useState<Error>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    setError(undefined);
    try {
      await api('PUT', `/destinations/${enc(d.id)}`, {
        type: d.type,
        ...(d.type === 'http' ? { url: text('url') } : {}),
        types: text('types')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        ...(text('description') ? { description: text('description') } : {}),
        enabled: f.get('enabled') === 'on',
      });
      onSaved();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card toolbar" onSubmit={submit} aria-label="Edit destination">
      {d.type === 'http' && (
        <label class="grow">
          URL
          <input name="url" type="url" required defaultValue={d.url} />
        </label>
      )}
      <label>
        Types
        <input name="types" defaultValue={d.types.join(', ')} placeholder="every type" />
      </label>
      <label class="grow">
        Description
        <input name="description" maxLength={500} defaultValue={d.description ?? ''} />
      </label>
      <label class="check">
        <input name="enabled" type="checkbox" defaultChecked={d.status === 'enabled'} /> Enabled
      </label>
      <button type="submit" class="primary">
        Save
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function IndexedList({ id, status, tick }: { id: string; status: 'dead' | 'pending'; tick: number }) {
  const list = useData(
    () =>
      api<{ items: IndexedDelivery[] }>(
        'GET',
        `/destinations/${enc(id)}/deliveries${query({ status, limit: '50' })}`,
      ),
    [id, status, tick],
    POLL_MS,
  );
  const items = list.data?.items;
  const label = status === 'dead' ? 'Dead letters' : 'Pending deliveries';
  if (list.error) return <ErrorBox error={list.error} />;
  if (!items) return <Loading />;
  if (!items.length)
    return (
      <Empty>
        {status === 'dead' ? 'No dead letters.' : 'Nothing pending: every delivery has been settled.'}
      </Empty>
    );
  return (
    <table class="list" aria-label={label}>
      <thead>
        <tr>
          <th>Event</th>
          <th>Type</th>
          <th>Last answer</th>
          <th>Attempts</th>
          <th>{status === 'dead' ? 'Died' : 'Next attempt'}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((x) => (
          <tr key={`${x.eventId}/${x.part}`}>
            <td>
              <a href={`#/events/${enc(x.eventId)}`}>{x.eventId}</a>
            </td>
            <td>{x.type}</td>
            <td class="wrap">
              {x.lastStatus ? `HTTP ${x.lastStatus}` : x.attempts ? 'no answer' : '—'}
              {(x.deadReason || x.lastError) && (
                <span class="muted"> {[x.deadReason, x.lastError].filter(Boolean).join(': ')}</span>
              )}
            </td>
            <td class="num">
              {x.attempts}
              {x.round > 0 && <span class="muted"> (round {x.round + 1})</span>}
            </td>
            <td>{when(status === 'dead' ? x.updatedAt : x.nextAttemptAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

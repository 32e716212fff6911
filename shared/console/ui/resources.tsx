import { useState } from 'preact/hooks';
import { SCOPES } from '../../auth/scopes.js';
import { api, can, enc, endAllSessions, query, readiness, type Session } from './api.js';
import { Action, Empty, ErrorBox, Fields, Loading, Status, useData, when } from './ui.js';

export interface Destination {
  id: string;
  type: 'http' | 'pull';
  url?: string;
  types: string[];
  secret: string;
  status: string;
  disabledReason?: string;
  description?: string;
  rateLimit?: { perSecond: number };
  maxInFlight?: number;
  circuit?: {
    state: 'closed' | 'open' | 'half_open';
    reason?: string;
    openedAt?: string;
    nextProbeAt?: string;
  };
}

/** The circuit breaker's state, shown only when it is not closed (closed is the normal case). */
export function CircuitBadge({ d }: { d: Destination }) {
  if (!d.circuit || d.circuit.state === 'closed') return null;
  return (
    <span class="circuit">
      <Status value={`circuit ${d.circuit.state.replace('_', '-')}`} />
      {d.circuit.reason && <span class="muted"> {d.circuit.reason}</span>}
    </span>
  );
}

/** A new Standard Webhooks secret: whsec_ + base64 of 32 random bytes (the API keeps a secret it is given). */
const newSecret = () => `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;

/** PUT replaces: the same destination again, with `enabled` changed or a new secret. */
const putBack = (d: Destination, change: { enabled?: boolean; rotate?: boolean }) =>
  api('PUT', `/destinations/${enc(d.id)}`, {
    type: d.type,
    ...(d.url ? { url: d.url } : {}),
    types: d.types,
    ...(d.description ? { description: d.description } : {}),
    secret: change.rotate ? newSecret() : d.secret,
    enabled: change.enabled ?? d.status === 'enabled',
  });

export function Destinations() {
  const list = useData(() => api<{ items: Destination[] }>('GET', '/destinations?limit=100'), []);
  const [note, setNote] = useState('');
  const items = list.data?.items;
  const done = (msg: string) => () => {
    setNote(msg);
    list.reload();
  };
  return (
    <section>
      <h1>Destinations</h1>
      <NewDestination onCreated={done('Destination saved')} />
      {note && (
        <p class="note" role="status">
          {note}
        </p>
      )}
      <ErrorBox error={list.error} />
      {!items ? (
        !list.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No destinations yet. Create one above: every event is then delivered to it, signed.</Empty>
      ) : (
        <table class="list" aria-label="Destinations">
          <thead>
            <tr>
              <th>Id</th>
              <th>Where</th>
              <th>Types</th>
              <th>Status</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-destination-id={d.id}>
                <td>
                  <a href={`#/destinations/${enc(d.id)}`}>{d.id}</a>
                </td>
                <td class="wrap">{d.url ?? 'pull'}</td>
                <td>{d.types.join(', ') || 'every type'}</td>
                <td>
                  <Status value={d.status} />
                  {d.disabledReason && <span class="muted"> {d.disabledReason}</span>}
                  <CircuitBadge d={d} />
                </td>
                <td>
                  <div class="actions">
                    <Action
                      label={d.status === 'enabled' ? 'Disable' : 'Enable'}
                      run={() => putBack(d, { enabled: d.status !== 'enabled' })}
                      done={done(`${d.id} ${d.status === 'enabled' ? 'disabled' : 'enabled'}`)}
                    />
                    <Action
                      label="Rotate secret"
                      run={() => putBack(d, { rotate: true })}
                      done={done(`${d.id}: new secret`)}
                    />
                    <Action
                      label="Redrive"
                      run={() => api<{ queued: number }>('POST', `/destinations/${enc(d.id)}/redrive`)}
                      done={(r) =>
                        done(`${d.id}: redrove ${(r as { queued: number }).queued} dead letters`)()
                      }
                    />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewDestination({ onCreated }: { onCreated: () => void }) {
  const [error, setError] = useState<Error>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const types = String(f.get('types') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    setError(undefined);
    try {
      await api('PUT', `/destinations/${enc(String(f.get('id')))}`, { url: f.get('url'), types });
      form.reset();
      onCreated();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card toolbar" onSubmit={submit} aria-label="New destination">
      <label>
        Id
        <input name="id" required pattern="[A-Za-z0-9_.:\-]{1,128}" placeholder="my-app" />
      </label>
      <label class="grow">
        URL
        <input name="url" type="url" required placeholder="https://example.com/webhooks" />
      </label>
      <label>
        Types
        <input name="types" placeholder="every type" />
      </label>
      <button type="submit" class="primary">
        Create destination
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

interface Connection {
  id: string;
  integrationId: string;
  provider: string;
  endUserId: string;
  status: string;
  scopes: string[];
  metadata: Record<string, unknown>;
  expiresAt?: string;
  hasRefreshToken: boolean;
  refreshFailures: number;
  lastError?: string;
  lastRefreshedAt?: string;
  createdAt: string;
  updatedAt: string;
}

export function Connections() {
  return (
    <section>
      <h1>Connections</h1>
      <ConnectionList empty="No connections yet: a connect session (POST /connect-sessions) makes one when an end user signs in." />
    </section>
  );
}

/** Connections (of one integration when given), with status and refresh failures. */
function ConnectionList({ integrationId, empty }: { integrationId?: string; empty: string }) {
  const list = useData(
    () => api<{ items: Connection[] }>('GET', `/connections${query({ integrationId, limit: '100' })}`),
    [integrationId],
  );
  const items = list.data?.items;
  if (list.error) return <ErrorBox error={list.error} />;
  if (!items) return <Loading />;
  if (!items.length) return <Empty>{empty}</Empty>;
  return (
    <table class="list" aria-label="Connections">
      <thead>
        <tr>
          <th>Connection</th>
          <th>Integration</th>
          <th>End user</th>
          <th>Status</th>
          <th>Refresh failures</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c) => (
          <tr key={c.id}>
            <td>
              <a href={`#/connections/${enc(c.id)}`}>{c.id}</a>
            </td>
            <td>{c.integrationId}</td>
            <td>{c.endUserId}</td>
            <td>
              <Status value={c.status} />
            </td>
            <td class="num">{c.refreshFailures}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ConnectionPage({ id, session }: { id: string; session: Session }) {
  const c = useData(() => api<Connection>('GET', `/connections/${enc(id)}`), [id]);
  const [revoked, setRevoked] = useState('');
  const [confirm, setConfirm] = useState(false);
  const d = c.data;
  return (
    <section>
      <p>
        <a href="#/connections">← Connections</a>
      </p>
      <h1>Connection {id}</h1>
      <ErrorBox error={c.error} />
      {revoked && (
        <p class="note" role="status">
          {revoked}
        </p>
      )}
      {d && !revoked && (
        <>
          <Fields
            rows={[
              ['Integration', `${d.integrationId} (${d.provider})`],
              ['End user', d.endUserId],
              ['Status', <Status key="s" value={d.status} />],
              ['Scopes', d.scopes.join(' ') || '—'],
              ['Token expires', when(d.expiresAt)],
              ['Refresh token', d.hasRefreshToken ? 'yes' : 'no'],
              ['Refresh failures', String(d.refreshFailures)],
              ['Last error', d.lastError],
              ['Last refreshed', when(d.lastRefreshedAt)],
              ['Created', when(d.createdAt)],
              ['Metadata', <code key="m">{JSON.stringify(d.metadata)}</code>],
            ]}
          />
          {can(session, 'connections:write') &&
            (confirm ? (
              <p class="toolbar">
                Revoke at the provider and delete this connection?
                <Action
                  label="Yes, revoke"
                  kind="danger"
                  run={() => api('DELETE', `/connections/${enc(id)}`)}
                  done={() => setRevoked(`Connection ${id} revoked`)}
                />
                <button type="button" onClick={() => setConfirm(false)}>
                  Keep it
                </button>
              </p>
            ) : (
              <button type="button" class="danger" onClick={() => setConfirm(true)}>
                Revoke
              </button>
            ))}
        </>
      )}
    </section>
  );
}

export function Integrations() {
  const list = useData(
    () =>
      api<{ items: { id: string; config: { type: string; provider?: string } }[] }>(
        'GET',
        '/integrations?limit=100',
      ),
    [],
  );
  const items = list.data?.items;
  return (
    <section>
      <h1>Integrations</h1>
      <ErrorBox error={list.error} />
      {!items ? (
        !list.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No integrations yet: PUT /integrations/{'{id}'} adds one.</Empty>
      ) : (
        <table class="list" aria-label="Integrations">
          <thead>
            <tr>
              <th>Id</th>
              <th>Type</th>
              <th>Provider</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id}>
                <td>
                  <a href={`#/integrations/${enc(i.id)}`}>{i.id}</a>
                </td>
                <td>{i.config?.type}</td>
                <td>{i.config?.provider ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface Integration {
  id: string;
  config: Record<string, unknown> & { type: string; provider?: string };
  secretName: string;
  createdAt: string;
  updatedAt: string;
}

/** An integration: its configuration (credentials stay in Secrets Manager) and its connections. */
export function IntegrationPage({ id }: { id: string }) {
  const found = useData(() => api<Integration>('GET', `/integrations/${enc(id)}`), [id]);
  const i = found.data;
  return (
    <section>
      <p>
        <a href="#/integrations">← Integrations</a>
      </p>
      <h1>Integration {id}</h1>
      <ErrorBox error={found.error} />
      {!i ? (
        !found.error && <Loading />
      ) : (
        <>
          <Fields
            rows={[
              ['Type', i.config.type],
              ['Provider', i.config.provider],
              ['Credentials in', <code key="s">{i.secretName}</code>],
              ['Created', when(i.createdAt)],
              ['Updated', when(i.updatedAt)],
            ]}
          />
          <h2>Configuration</h2>
          <pre class="body">{JSON.stringify(i.config, null, 2)}</pre>
          <h2>Connections</h2>
          <ConnectionList integrationId={id} empty="No connections to this integration yet." />
        </>
      )}
    </section>
  );
}

interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt?: string;
}

export function ApiKeys() {
  const list = useData(() => api<{ items: ApiKey[] }>('GET', '/api-keys'), []);
  const [created, setCreated] = useState<ApiKey & { key: string }>();
  const [error, setError] = useState<Error>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    setError(undefined);
    try {
      setCreated(
        await api('POST', '/api-keys', { name: f.get('name'), scopes: f.getAll('scopes').map(String) }),
      );
      form.reset();
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const items = list.data?.items;
  return (
    <section>
      <h1>API keys</h1>
      <p class="toolbar">
        <span class="muted">
          Revoking a key ends its console sessions. To end every session at once (this one too):
        </span>
        <Action label="End all console sessions" kind="danger" run={endAllSessions} />
      </p>
      <form class="card" onSubmit={submit} aria-label="New API key">
        <label>
          Name <input name="name" required maxLength={100} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} class="check">
              <input type="checkbox" name="scopes" value={s} /> {s}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary">
          Create key
        </button>
        <ErrorBox error={error} />
      </form>
      {created && (
        <div class="note" role="status">
          Key <strong>{created.name}</strong> created. Copy it now; it is not shown again:
          <code class="secret">{created.key}</code>
        </div>
      )}
      <ErrorBox error={list.error} />
      {!items ? (
        !list.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No API keys besides the admin key.</Empty>
      ) : (
        <table class="list" aria-label="API keys">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Scopes</th>
              <th>Created</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {items.map((k) => (
              <tr key={k.id}>
                <td>{k.id}</td>
                <td>{k.name}</td>
                <td>{k.scopes.join(' ')}</td>
                <td>{when(k.createdAt)}</td>
                <td>
                  {k.revokedAt ? (
                    <Status value="revoked" />
                  ) : (
                    <Action
                      label="Revoke"
                      kind="danger"
                      run={() => api('DELETE', `/api-keys/${enc(k.id)}`)}
                      done={list.reload}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface PipelineCounts {
  pending: number;
  deadLetters: number;
  oldestPendingAgeSec?: number;
  capped?: true;
}
interface Pipeline {
  totals: PipelineCounts;
  destinations: (PipelineCounts & { id: string; status: string })[];
  queues?: { name: string; role: string; visible: number; inFlight: number; delayed: number }[];
  queuesUnknown?: string;
  cursor?: string;
}

const age = (sec?: number) =>
  sec === undefined
    ? '—'
    : sec < 90
      ? `${sec} s`
      : sec < 5400
        ? `${Math.round(sec / 60)} min`
        : `${Math.round(sec / 3600)} h`;
const atLeast = (n: number, c: PipelineCounts) => `${n}${c.capped ? '+' : ''}`;

export function Health({ session }: { session: Session }) {
  const ready = useData(readiness, [], 10_000);
  return (
    <section>
      <h1>Health</h1>
      <h2>Store and secrets</h2>
      <ErrorBox error={ready.error} />
      {ready.data ? (
        <Fields
          rows={[
            ['Status', <Status key="s" value={ready.data.status} />],
            ...Object.entries(ready.data.checks).map(([k, v]): [string, preact.ComponentChildren] => [
              k,
              <Status key={k} value={v} />,
            ]),
          ]}
        />
      ) : (
        !ready.error && <Loading />
      )}
      {can(session, 'destinations:write') ? (
        <PipelineHealth />
      ) : (
        <p class="muted">The pipeline's counts need the destinations:write scope.</p>
      )}
    </section>
  );
}

function PipelineHealth() {
  const p = useData(() => api<Pipeline>('GET', '/health/pipeline?limit=50'), [], 5_000);
  const d = p.data;
  return (
    <div class="pipeline">
      <h2>Pipeline</h2>
      <ErrorBox error={p.error} />
      {!d ? (
        !p.error && <Loading />
      ) : (
        <>
          <Fields
            rows={[
              ['Pending deliveries', atLeast(d.totals.pending, d.totals)],
              ['Dead letters', atLeast(d.totals.deadLetters, d.totals)],
              ['Oldest pending', age(d.totals.oldestPendingAgeSec)],
            ]}
          />
          <h3>Queues</h3>
          {d.queues ? (
            <table class="list" aria-label="Queues">
              <thead>
                <tr>
                  <th>Queue</th>
                  <th class="num">Ready</th>
                  <th class="num">In flight</th>
                  <th class="num">Delayed (retries)</th>
                </tr>
              </thead>
              <tbody>
                {d.queues.map((q) => (
                  <tr key={q.name} data-queue={q.name}>
                    <td>
                      {q.name}{' '}
                      <span class="muted">
                        {q.role === 'dead-letter' ? 'dead-letter queue' : 'delivery queue'}
                      </span>
                    </td>
                    <td class="num">{q.visible} ready</td>
                    <td class="num">{q.inFlight} in flight</td>
                    <td class="num">{q.delayed} delayed</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>Queue depths are not known: {d.queuesUnknown}.</Empty>
          )}
          <h3>By destination</h3>
          {d.destinations.length === 0 ? (
            <Empty>No destinations yet: nothing is waiting.</Empty>
          ) : (
            <table class="list" aria-label="Pipeline by destination">
              <thead>
                <tr>
                  <th>Destination</th>
                  <th class="num">Pending</th>
                  <th class="num">Dead letters</th>
                  <th>Oldest pending</th>
                </tr>
              </thead>
              <tbody>
                {d.destinations.map((r) => (
                  <tr key={r.id} data-destination-id={r.id}>
                    <td>
                      <a href={`#/destinations/${enc(r.id)}`}>{r.id}</a> <Status value={r.status} />
                    </td>
                    <td class="num">{atLeast(r.pending, r)} pending</td>
                    <td class="num">{atLeast(r.deadLetters, r)} dead</td>
                    <td>
                      {r.oldestPendingAgeSec === undefined
                        ? 'nothing waiting'
                        : `oldest waiting ${age(r.oldestPendingAgeSec)}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {d.cursor && (
            <p class="muted">The first 50 destinations by id (GET /health/pipeline pages the rest).</p>
          )}
        </>
      )}
    </div>
  );
}

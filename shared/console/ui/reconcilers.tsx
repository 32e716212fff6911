import { api, can, enc, type Session } from './api.js';
import { Action, Empty, ErrorBox, Loading, Status, useData, when } from './ui.js';

interface Run {
  trigger: 'schedule' | 'manual';
  status: 'running' | 'completed' | 'partial' | 'failed';
  startedAt: string;
  finishedAt?: string;
  pages: number;
  listed: number;
  stored: number;
  skipped: number;
  errors: number;
  error?: { code: string; detail: string };
}

interface Reconciler {
  id: string;
  provider: string;
  integrationId: string;
  intervalMinutes: number;
  lookbackHours: number;
  checkpoint?: string;
  nextRunAt?: string;
  progress?: Run;
  lastRun?: Run;
}

const POLL_MS = 5000;

/** A run in one line: what it found and what it stored; a failure's problem after it. */
function RunSummary({ run }: { run?: Run | undefined }) {
  if (!run) return <span class="muted">never run</span>;
  return (
    <span>
      <Status value={run.status} /> {run.listed} listed, {run.stored} stored, {run.skipped} already here
      {run.errors > 0 && `, ${run.errors} errors`}
      <span class="muted">
        {' '}
        · {run.trigger} · {when(run.finishedAt ?? run.startedAt)}
      </span>
      {run.error && <div class="muted">{run.error.detail}</div>}
    </span>
  );
}

/** Reconcilers: events listed from the providers' events APIs that never arrived as webhooks. */
export function Reconcilers({ session }: { session: Session }) {
  const list = useData(() => api<{ items: Reconciler[] }>('GET', '/reconcilers?limit=100'), [], POLL_MS);
  const items = list.data?.items;
  return (
    <section>
      <h1>Reconcilers</h1>
      <p class="muted">
        Each one lists a provider's events API on a schedule and stores, exactly once, the events whose
        webhooks never arrived. Create one with <code>PUT /reconcilers/{'{provider}'}</code>.
      </p>
      <ErrorBox error={list.error} />
      {!items ? (
        !list.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No reconcilers yet. Stripe and Paddle can be reconciled; see docs/reconciliation.md.</Empty>
      ) : (
        <table class="list" aria-label="Reconcilers">
          <thead>
            <tr>
              <th>Id</th>
              <th>Every</th>
              <th>Checked up to</th>
              <th>Last run</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-reconciler-id={r.id}>
                <td>
                  {r.id}
                  <div class="muted">integration {r.integrationId}</div>
                </td>
                <td>{r.intervalMinutes} min</td>
                <td>
                  {when(r.checkpoint)}
                  <div class="muted">next {when(r.nextRunAt)}</div>
                </td>
                <td class="wrap">
                  {r.progress?.status === 'running' ? (
                    <RunSummary run={r.progress} />
                  ) : (
                    <RunSummary run={r.lastRun} />
                  )}
                </td>
                <td>
                  {can(session, 'integrations:write') && (
                    <Action
                      label="Run now"
                      run={() => api('POST', `/reconcilers/${enc(r.id)}/run`)}
                      done={() => list.reload()}
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

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { Problem } from './api.js';

export type Loaded<T> = { data?: T; error?: Problem | Error; reload: () => void };

/** Loads `load()` now and whenever `deps` change; every `pollMs` too when given (live lists). */
export function useData<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    const run = () =>
      load().then(
        (data) => live && setState({ data }),
        (error: Error) => live && setState((s) => ({ ...s, error })),
      );
    void run();
    const timer = pollMs ? setInterval(run, pollMs) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload };
}

export function ErrorBox({ error }: { error?: Error | undefined }) {
  if (!error) return null;
  const p = error instanceof Problem ? error : undefined;
  return (
    <div class="error" role="alert">
      <strong>{p ? p.title : 'Something went wrong'}</strong>
      {(p ? p.detail : error.message) && <span> {p ? p.detail : error.message}</span>}
    </div>
  );
}

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;

export const Loading = () => <p class="muted">Loading…</p>;

/** A button that runs an action, shows it running, and shows its problem if it fails. */
export function Action({
  label,
  run,
  done,
  kind,
}: {
  label: string;
  run: () => Promise<unknown>;
  done?: (result: unknown) => void;
  kind?: 'danger' | 'primary';
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const click = async () => {
    setBusy(true);
    setError(undefined);
    try {
      done?.(await run());
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={kind} disabled={busy} onClick={click}>
        {busy ? `${label}…` : label}
      </button>
      <ErrorBox error={error} />
    </span>
  );
}

/** A datetime-local value (the browser's time zone) as an ISO instant; '' stays unset. */
export const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

export const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '—');

export function Fields({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

export const Status = ({ value }: { value: string }) => <span class={`badge ${value}`}>{value}</span>;

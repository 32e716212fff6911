import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { can, currentSession, Problem, type Session, signIn, signOut, useSession } from './api.js';
import { DestinationPage } from './destination.js';
import { EventTypePage, EventTypes } from './event-types.js';
import { EventList, EventPage } from './events.js';
import { Reconcilers } from './reconcilers.js';
import { Replays } from './replays.js';
import {
  ApiKeys,
  ConnectionPage,
  Connections,
  Destinations,
  Health,
  IntegrationPage,
  Integrations,
} from './resources.js';
import { ErrorBox, Loading } from './ui.js';

/** The sections a key may see: each needs the scope its API routes need. */
const SECTIONS: { path: string; label: string; scope?: string }[] = [
  { path: 'events', label: 'Events', scope: 'events:read' },
  { path: 'replays', label: 'Replays', scope: 'events:replay' },
  { path: 'destinations', label: 'Destinations', scope: 'destinations:write' },
  { path: 'connections', label: 'Connections', scope: 'connections:read' },
  { path: 'integrations', label: 'Integrations', scope: 'connections:read' },
  { path: 'reconcilers', label: 'Reconcilers', scope: 'events:read' },
  { path: 'api-keys', label: 'API keys', scope: 'admin' },
  { path: 'event-types', label: 'Event types' },
  { path: 'health', label: 'Health' },
];

const useHash = () => {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
};

function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string | undefined }) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('apiKey') as HTMLInputElement;
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(input.value));
    } catch (err) {
      setError(err as Error);
      input.select();
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form class="card" onSubmit={submit} aria-label="Sign in">
        <h1>Hookbridge console</h1>
        {notice && <p class="note">{notice}</p>}
        <label>
          API key
          <input name="apiKey" type="password" required autoComplete="off" placeholder="hbk_…" />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorBox error={error} />
        <p class="muted">
          The key is exchanged for a 30-minute session cookie; it is not kept in the browser.{' '}
          <code>npm start</code> prints the admin key.
        </p>
      </form>
    </main>
  );
}

function Page({ session, route }: { session: Session; route: string[] }) {
  const [section = '', id] = route;
  const allowed = SECTIONS.filter((s) => !s.scope || can(session, s.scope));
  const current = allowed.find((s) => s.path === section);
  if (!current) {
    const first = allowed[0]!;
    if (section)
      return (
        <p class="empty">
          This key cannot see “{section}”. Its scopes: {session.scopes.join(', ')}.
        </p>
      );
    location.replace(`#/${first.path}`);
    return null;
  }
  if (section === 'events') return id ? <EventPage id={id} session={session} /> : <EventList />;
  if (section === 'connections') return id ? <ConnectionPage id={id} session={session} /> : <Connections />;
  if (section === 'replays') return <Replays />;
  if (section === 'destinations') return id ? <DestinationPage id={id} /> : <Destinations />;
  if (section === 'integrations') return id ? <IntegrationPage id={id} /> : <Integrations />;
  if (section === 'api-keys') return <ApiKeys />;
  if (section === 'reconcilers') return <Reconcilers session={session} />;
  if (section === 'event-types') return id ? <EventTypePage type={id} /> : <EventTypes />;
  return <Health session={session} />;
}

function App() {
  const [session, setSession] = useState<Session | null>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<Error>();
  const route = useHash();
  useSession(session ?? undefined, () => {
    setNotice('Your session ended; sign in again.');
    setSession(null);
  });
  useEffect(() => {
    currentSession().then(setSession, (e: Error) => {
      if (!(e instanceof Problem && e.status === 401)) setError(e);
      setSession(null);
    });
  }, []);
  if (session === undefined) return <Loading />;
  if (!session)
    return (
      <>
        <ErrorBox error={error} />
        <SignIn onSignedIn={(s) => setSession(s)} notice={notice} />
      </>
    );
  const section = route[0] ?? '';
  return (
    <>
      <header>
        <a class="brand" href="#/">
          Hookbridge
        </a>
        <nav aria-label="Sections">
          {SECTIONS.filter((s) => !s.scope || can(session, s.scope)).map((s) => (
            <a key={s.path} href={`#/${s.path}`} aria-current={s.path === section ? 'page' : undefined}>
              {s.label}
            </a>
          ))}
        </nav>
        <span class="who" title={session.scopes.join(' ')}>
          {session.keyId === 'admin' ? 'admin key' : `key ${session.keyId}`}
        </span>
        <button
          type="button"
          onClick={() =>
            signOut().finally(() => {
              setNotice('Signed out.');
              setSession(null);
            })
          }
        >
          Sign out
        </button>
      </header>
      <main>
        <Page session={session} route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

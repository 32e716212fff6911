import { eventTypes } from './api.js';
import { ErrorBox, Loading, Status, useData } from './ui.js';

const KIND = { normalised: 'normalised', raw: 'provider raw', hookbridge: 'Hookbridge' } as const;

/** The event catalog: what a destination can receive; a destination's types filter on these (or `prefix.*`). */
export function EventTypes() {
  const list = useData(eventTypes, []);
  const items = list.data?.items;
  return (
    <section>
      <h1>Event types</h1>
      <p class="muted">
        What destinations receive, each with its JSON Schema (<code>GET /event-types</code>, and the{' '}
        <code>webhooks</code> of <code>/openapi.json</code>). A destination's types filter on these, or on a
        prefix like <code>payment.*</code>.
      </p>
      <ErrorBox error={list.error} />
      {items ? (
        <table class="list" aria-label="Event types">
          <thead>
            <tr>
              <th>Type</th>
              <th>Kind</th>
              <th>What</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.type}>
                <td>
                  <a href={`#/event-types/${encodeURIComponent(t.type)}`}>
                    <code>{t.type}</code>
                  </a>
                </td>
                <td>
                  <Status value={KIND[t.kind]} />
                </td>
                <td>{t.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        !list.error && <Loading />
      )}
    </section>
  );
}

export function EventTypePage({ type }: { type: string }) {
  const list = useData(eventTypes, []);
  const t = list.data?.items.find((i) => i.type === type);
  return (
    <section>
      <p>
        <a href="#/event-types">← Event types</a>
      </p>
      <h1>
        <code>{type}</code>
      </h1>
      <ErrorBox error={list.error} />
      {!list.data ? (
        !list.error && <Loading />
      ) : !t ? (
        <p class="empty">No event type “{type}”.</p>
      ) : (
        <>
          <p>{t.description}.</p>
          <h2>Example</h2>
          <pre class="body" data-what="example">
            {JSON.stringify(t.example, null, 2)}
          </pre>
          <h2>JSON Schema</h2>
          <pre class="body" data-what="schema">
            {JSON.stringify(t.schema, null, 2)}
          </pre>
        </>
      )}
    </section>
  );
}

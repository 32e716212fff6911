/**
 * `npm start`'s stand-in for your app: a receiver on 127.0.0.1 that answers every signed delivery
 * 204, and a destination `local-receiver` pointing at it when the store has no destination yet,
 * so a first `npm run send-webhook -- stripe` shows as delivered in the console. Local only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const DEV_DESTINATION_ID = 'local-receiver';

export interface DevReceiver {
  url: string;
  /** Whether `local-receiver` was created now (false: it existed, now pointed here, or other destinations do). */
  created: boolean;
  close(): Promise<void>;
}

const DESCRIPTION = 'npm start: a stand-in receiver on this machine; delete it once your app has its own';

const pick = (d: { types: string[]; description?: string; status: string }) => ({
  types: d.types,
  ...(d.description ? { description: d.description } : {}),
  enabled: d.status === 'enabled',
});

async function expectStatus(res: Promise<Response>, status: number): Promise<void> {
  const r = await res;
  if (r.status !== status)
    throw new Error(`${DEV_DESTINATION_ID}: the API answered ${r.status}: ${await r.text()}`);
}

/** Starts the receiver; creates the destination through the API (as the admin key) only when there is none. */
export async function startDevReceiver(apiUrl: string, adminKey: string): Promise<DevReceiver> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.method === 'POST' ? 204 : 405).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const existing = await call('GET', `/destinations/${DEV_DESTINATION_ID}`);
  let created = false;
  if (existing.status === 200) {
    // A data dir's destination from an earlier run: the receiver has a new port now.
    const d = (await existing.json()) as { types: string[]; description?: string; status: string };
    await expectStatus(call('PUT', `/destinations/${DEV_DESTINATION_ID}`, { ...pick(d), url }), 200);
  } else {
    const list = (await (await call('GET', '/destinations?limit=1')).json()) as { items?: unknown[] };
    if (!list.items?.length) {
      await expectStatus(
        call('PUT', `/destinations/${DEV_DESTINATION_ID}`, { url, description: DESCRIPTION }),
        201,
      );
      created = true;
    }
  }
  return { url, created, close };
}

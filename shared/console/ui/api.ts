/** The console's only way to the server: the public API under /console/api, with the session's CSRF token. */

export interface Session {
  keyId: string;
  scopes: string[];
  csrfToken: string;
  expiresAt: string;
}

/** An answer that was not 2xx: its problem+json title and detail. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

let csrf = '';
let onSignedOut: () => void = () => {};

export function useSession(s: Session | undefined, signedOut: () => void): void {
  csrf = s?.csrfToken ?? '';
  onSignedOut = signedOut;
}

export const can = (s: Session, scope: string): boolean =>
  s.scopes.includes('admin') || s.scopes.includes(scope);

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-hookbridge-csrf': csrf };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    if (res.status === 401 && url.startsWith('/console/api/')) onSignedOut();
    throw new Problem(
      res.status,
      String(data.title ?? `HTTP ${res.status}`),
      data.detail as string | undefined,
    );
  }
  return data as T;
}

/** `api('GET', '/events')` is GET /events as the signed-in key. */
export const api = <T>(method: string, path: string, body?: unknown): Promise<T> =>
  request<T>(method, `/console/api${path}`, body);

export const signIn = (apiKey: string) => request<Session>('POST', '/console/session', { apiKey });
export const currentSession = () => request<Session>('GET', '/console/session');
export const signOut = () => request<void>('DELETE', '/console/session');
/** Ends every console session (admin), this one too. */
export const endAllSessions = () =>
  request<{ ended: number }>('DELETE', '/console/sessions').then((r) => {
    onSignedOut();
    return r;
  });
/** The event catalog (a public route, like /openapi.json). */
export const eventTypes = () => request<{ items: EventType[] }>('GET', '/event-types');

export interface EventType {
  type: string;
  kind: 'normalised' | 'raw' | 'hookbridge';
  description: string;
  schema: Record<string, unknown>;
  example: unknown;
}

export const readiness = () =>
  request<{ status: string; checks: Record<string, string> }>('GET', '/health/ready');

export const enc = encodeURIComponent;
export const query = (params: Record<string, string | undefined>): string => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1]));
  return q.size ? `?${q}` : '';
};

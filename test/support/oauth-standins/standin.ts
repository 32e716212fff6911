/**
 * One local stand-in (127.0.0.1) for every OAuth catalog provider, driven by data
 * (./providers.ts): each spec says what the provider's documented authorization URL, token
 * requests (code exchange, refresh), post-connect call, API call and revocation look like, and
 * what it answers. The server checks each request against the active spec and answers as the
 * provider would; every difference is recorded in `mismatches`, so a test asserts there are none.
 *
 * The service reaches it through the container's own outbound overrides, as the other tests do:
 * a resolver that gives the provider's host names a public address (so the SSRF guard runs in
 * full, unweakened) and a transport that, after the guard, connects to the stand-in over plain
 * HTTP with the original Host header.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedAddress, Resolver } from '../../../shared/outbound/ssrf.js';
import { nodeTransport, type Transport } from '../../../shared/outbound/transport.js';

export interface Tokens {
  access: string;
  refresh: string;
}

type Body = unknown;
type Fields = Record<string, string>;

/** How a token or revocation request authenticates the client: HTTP Basic, or client_id/client_secret in the body. */
export type ClientAuth = 'basic' | 'post';

export interface StandinSpec {
  /** Test name and integration id. */
  key: string;
  /** The catalog slug. */
  provider: string;
  /** Extra fields of the PUT /integrations body (params, environment, scopes). */
  integration?: Record<string, unknown>;
  /** The authorization endpoint (origin + path) and the query parameters it must carry. */
  authorize: { url: string; params: Fields; scopeParam?: string; pkce: boolean };
  /** Extra callback query parameters the provider adds (Shopify `shop`, QuickBooks `realmId`). */
  callback?: Fields;
  /** OIDC discovery the catalog reads for its issuer (Google, Xero). */
  discovery?: { issuer: string; document: Record<string, unknown> };
  token: {
    url: string;
    auth: ClientAuth;
    format: 'form' | 'json';
    /** Headers every token request must carry (Notion-Version). */
    headers?: Fields;
    /** The provider's n-th access token; default `<key>-at-<n>` (Xero: a JWT naming the sign-in). */
    accessToken?: (n: number) => string;
    /** Fields the code exchange must carry beyond the standard ones (Shopify expiring=1). */
    codeFields?: Fields;
    code(t: Tokens): Body;
    /** The refresh answer; absent when the provider has no refresh. `rotates`: a new refresh token each time. */
    refresh?: { rotates: boolean; answer(t: Tokens): Body };
  };
  postConnect?: { url: string; answer: Body };
  api: {
    method: 'GET' | 'POST';
    /** The proxied path below the chosen base, and the URL the provider must receive. */
    path: string;
    url: string;
    /** X-Hookbridge-Api-Base, for a provider with several API hosts. */
    base?: string;
    callerHeaders?: Fields;
    /** Headers the provider must receive (besides the credential). */
    expectHeaders?: Fields;
    /** The credential header; default `authorization: Bearer <access>`. */
    credential?: (access: string) => [string, string];
  };
  revoke?: {
    url: string;
    auth: ClientAuth;
    format: 'form' | 'json';
    headers?: Fields;
    /** Which tokens arrive, in order. */
    tokens: ('access' | 'refresh')[];
    /** The provider's answer to one revocation; default 200 with an empty body. */
    answer?: (kind: 'access' | 'refresh') => { status: number; body: string };
  };
  /** Values the connection must keep in providerMetadata. */
  metadata: Record<string, unknown>;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Standin {
  port: number;
  /** The spec requests are checked against (one provider at a time). */
  use(spec: StandinSpec, client: { clientId: string; clientSecret: string }, redirectUri: string): void;
  seen: SeenRequest[];
  mismatches: string[];
  /** The tokens issued so far: index 0 at the code exchange, one more per refresh. */
  issued: Tokens[];
  /** The next refresh answers HTTP 200 with this body instead (GitHub App `bad_refresh_token`). */
  failNextRefresh(body: Body): void;
  close(): Promise<void>;
}

/** The public address the stand-in's host names resolve to for the SSRF guard (never connected to). */
const PUBLIC_ADDRESS: ResolvedAddress = { address: '93.184.216.34', family: 4 };

/** A resolver that knows only `hosts` (anything else does not resolve, as offline). */
export function standinResolver(hosts: ReadonlySet<string>): Resolver {
  return async (host) => {
    if (hosts.has(host.toLowerCase())) return [PUBLIC_ADDRESS];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  };
}

/** After the guard: the same request to the stand-in over plain HTTP, the original Host header kept. */
export function standinTransport(port: number): Transport {
  return (req) =>
    nodeTransport({
      ...req,
      url: new URL(`http://127.0.0.1:${port}${req.url.pathname}${req.url.search}`),
      headers: { ...req.headers, host: req.url.host },
      pinned: { address: '127.0.0.1', family: 4 },
    });
}

/** Every host name the specs use. */
export const hostsOf = (specs: readonly StandinSpec[]): Set<string> =>
  new Set(
    specs.flatMap((s) =>
      [
        s.authorize.url,
        s.token.url,
        s.api.url,
        s.postConnect?.url,
        s.revoke?.url,
        s.discovery ? `${s.discovery.issuer}/` : undefined,
      ]
        .filter((u): u is string => u !== undefined)
        .map((u) => new URL(u).hostname),
    ),
  );

const parseBody = (format: 'form' | 'json', body: string): Fields => {
  if (format === 'json') {
    try {
      return JSON.parse(body) as Fields;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
};

const CONTENT_TYPE = { form: 'application/x-www-form-urlencoded', json: 'application/json' };

export async function startStandin(): Promise<Standin> {
  let spec: StandinSpec | undefined;
  let client = { clientId: '', clientSecret: '' };
  let redirectUri = '';
  let failRefresh: Body | undefined;
  const seen: SeenRequest[] = [];
  const mismatches: string[] = [];
  const issued: Tokens[] = [];
  let revocations = 0;

  const expect = (ok: boolean, what: string) => {
    if (!ok) mismatches.push(`${spec?.key}: ${what}`);
  };
  /** RFC 6749 §2.3.1: id and secret each form-decoded after the base64 is. */
  const basicOk = (header: string | undefined): boolean => {
    const raw = Buffer.from((header ?? '').replace(/^Basic /, ''), 'base64').toString();
    const [id = '', secret = ''] = raw.split(':');
    const decode = (v: string) => new URLSearchParams(`v=${v}`).get('v');
    return (
      header?.startsWith('Basic ') === true &&
      decode(id) === client.clientId &&
      decode(secret) === client.clientSecret
    );
  };

  /** Client authentication, body format and required headers of a token or revocation request. */
  function checkClientRequest(
    req: SeenRequest,
    rule: { auth: ClientAuth; format: 'form' | 'json'; headers?: Fields | undefined },
    what: string,
  ): Fields {
    const fields = parseBody(rule.format, req.body);
    expect(req.method === 'POST', `${what} is a POST`);
    expect(
      (req.headers['content-type'] ?? '').startsWith(CONTENT_TYPE[rule.format]),
      `${what} is ${rule.format} (got ${req.headers['content-type']})`,
    );
    if (rule.auth === 'basic') {
      expect(basicOk(req.headers.authorization), `${what} authenticates with HTTP Basic`);
      expect(fields.client_secret === undefined, `${what} has no client_secret in the body`);
    } else {
      expect(
        fields.client_id === client.clientId && fields.client_secret === client.clientSecret,
        `${what} carries client_id and client_secret in the body`,
      );
    }
    for (const [k, v] of Object.entries(rule.headers ?? {}))
      expect(req.headers[k] === v, `${what} carries ${k}: ${v} (got ${req.headers[k]})`);
    return fields;
  }

  const newTokens = (): Tokens => {
    const n = issued.length + 1;
    const prev = issued.at(-1);
    const rotates = spec!.token.refresh?.rotates ?? true;
    const t = {
      access: spec!.token.accessToken?.(n) ?? `${spec!.key}-at-${n}`,
      refresh: prev && !rotates ? prev.refresh : `${spec!.key}-rt-${n}`,
    };
    issued.push(t);
    return t;
  };

  function token(req: SeenRequest): [number, Body] {
    const s = spec!;
    const fields = checkClientRequest(req, s.token, 'token request');
    if (fields.grant_type === 'authorization_code') {
      expect(fields.code === `code-${s.key}`, 'the code exchange sends the code');
      expect(fields.redirect_uri === redirectUri, 'the code exchange sends the redirect_uri');
      expect(
        (fields.code_verifier !== undefined) === s.authorize.pkce,
        'a PKCE verifier exactly when PKCE is on',
      );
      for (const [k, v] of Object.entries(s.token.codeFields ?? {}))
        expect(fields[k] === v, `the code exchange carries ${k}=${v}`);
      return [200, s.token.code(newTokens())];
    }
    if (fields.grant_type === 'refresh_token' && s.token.refresh) {
      expect(fields.refresh_token === issued.at(-1)?.refresh, 'the refresh sends the latest refresh token');
      for (const k of Object.keys(s.token.codeFields ?? {}))
        expect(fields[k] === undefined, `the refresh does not carry ${k}`);
      if (failRefresh !== undefined) {
        const body = failRefresh;
        failRefresh = undefined;
        return [200, body];
      }
      return [200, s.token.refresh.answer(newTokens())];
    }
    expect(false, `unexpected grant_type ${fields.grant_type}`);
    return [400, { error: 'unsupported_grant_type' }];
  }

  function api(req: SeenRequest): [number, Body] {
    const s = spec!;
    const access = issued.at(-1)?.access ?? '';
    const [name, value] = s.api.credential?.(access) ?? ['authorization', `Bearer ${access}`];
    expect(req.method === s.api.method, `the API call is a ${s.api.method}`);
    expect(req.headers[name] === value, `the API call carries ${name} with the latest access token`);
    for (const [k, v] of Object.entries(s.api.expectHeaders ?? {}))
      expect(req.headers[k] === v, `the API call carries ${k}: ${v} (got ${req.headers[k]})`);
    expect(req.headers['x-hookbridge-api-base'] === undefined, 'X-Hookbridge-Api-Base is not forwarded');
    return [200, { ok: true, provider: s.provider }];
  }

  function revoke(req: SeenRequest): [number, Body | string] {
    const s = spec!;
    const rule = s.revoke!;
    const fields = checkClientRequest(req, rule, 'revocation');
    const kind = rule.tokens[revocations++];
    const latest = issued.at(-1);
    expect(kind !== undefined, 'no more revocations than the provider needs');
    const want = kind === 'refresh' ? latest?.refresh : latest?.access;
    expect(fields.token === want, `revocation ${revocations} sends the ${kind} token`);
    const answer = rule.answer?.(kind ?? 'access') ?? { status: 200, body: '' };
    return [answer.status, answer.body];
  }

  function route(req: SeenRequest): [number, Body | string] {
    const s = spec;
    if (!s) return [503, { error: 'no active spec' }];
    const at = `https://${req.headers.host}${req.url.split('?')[0]}`;
    if (s.discovery && at === `${s.discovery.issuer}/.well-known/openid-configuration`)
      return [200, s.discovery.document];
    if (at === s.token.url) return token(req);
    if (s.postConnect && at === s.postConnect.url) {
      expect(
        req.headers.authorization === `Bearer ${issued.at(-1)?.access}`,
        'post-connect uses the new token',
      );
      for (const [k, v] of Object.entries(s.token.headers ?? {}))
        expect(req.headers[k] === v, `post-connect carries ${k}: ${v}`);
      return [200, s.postConnect.answer];
    }
    if (s.revoke && at === s.revoke.url) return revoke(req);
    if (`${at}${req.url.includes('?') ? `?${req.url.split('?')[1]}` : ''}` === s.api.url) return api(req);
    expect(false, `unexpected request ${req.method} ${at}`);
    return [404, { error: 'not_found' }];
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seenReq = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(seenReq);
      const [status, body] = route(seenReq);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, typeof body === 'string' ? {} : { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    use(s, c, uri) {
      spec = s;
      client = c;
      redirectUri = uri;
      failRefresh = undefined;
      revocations = 0;
      seen.length = 0;
      mismatches.length = 0;
      issued.length = 0;
    },
    seen,
    mismatches,
    issued,
    failNextRefresh(body) {
      failRefresh = body;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

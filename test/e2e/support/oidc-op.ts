/**
 * oidc-provider configured per test: which client-auth methods the server offers, whether it
 * requires PAR (RFC 9126), and per client its auth method, keys and access-token lifetime. Each
 * runs on its own 127.0.0.1 port (discovery is per issuer). Switches make it fail like a real
 * server does: `down` drops every connection, `failRevocations` answers 503 at the revocation
 * endpoint that many times; `rotateSigningKey()` replaces the ID-token key under the same issuer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { testAccounts, testTtl } from './oidc.js';

export interface OpClient {
  clientId: string;
  clientSecret?: string;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt';
  /** Public keys for private_key_jwt. */
  jwks?: JWK[];
  /** Access-token lifetime, seconds (default 3600). */
  accessTokenTtl?: number;
}

export interface OpOptions {
  redirectUri: string;
  clients: OpClient[];
  /** The server's token_endpoint_auth_methods_supported (oidc-provider's default list when absent). */
  clientAuthMethods?: OpClient['authMethod'][];
  requirePar?: boolean;
}

export interface ConfiguredOp {
  issuer: string;
  /** Successful refresh-token grants, by client id. */
  refreshGrants(clientId: string): number;
  /** Token-endpoint errors, in order (e.g. invalid_client). */
  grantErrors: string[];
  /** The JOSE header of each client assertion a successful grant carried (client_secret_jwt, private_key_jwt). */
  assertionHeaders: Record<string, unknown>[];
  /** Revocation requests that reached the endpoint (answered 503 or not). */
  revocationCalls(): number;
  /** The `kid` of the ID-token signing key now in use. */
  signingKid(): string;
  down: boolean;
  failRevocations: number;
  rotateSigningKey(): Promise<void>;
  close(): Promise<void>;
}

async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    ...(await exportJWK(privateKey)),
    kid: `sig-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    use: 'sig',
    alg: 'RS256',
  };
}

function providerFor(issuer: string, opts: OpOptions, key: JWK) {
  const ttlOf = new Map(opts.clients.map((c) => [c.clientId, c.accessTokenTtl ?? 3600]));
  return new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      client_id: c.clientId,
      ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
      redirect_uris: [opts.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: c.authMethod,
      ...(c.jwks ? { jwks: { keys: c.jwks } } : {}),
    })),
    ...(opts.clientAuthMethods ? { clientAuthMethods: opts.clientAuthMethods } : {}),
    jwks: { keys: [key] },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      pushedAuthorizationRequests: {
        enabled: true,
        requirePushedAuthorizationRequests: opts.requirePar === true,
      },
    },
    rotateRefreshToken: true,
    scopes: ['openid', 'offline_access', 'email'],
    ...testAccounts,
    ttl: testTtl((_ctx, _token, client) => ttlOf.get(client.clientId) ?? 3600),
  });
}

export async function startConfiguredOp(opts: OpOptions): Promise<ConfiguredOp> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const refreshes = new Map<string, number>();
  const grantErrors: string[] = [];
  const assertionHeaders: Record<string, unknown>[] = [];
  let revocations = 0;
  let key = await signingKey();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => {};
  const mount = () => {
    const provider = providerFor(issuer, opts, key);
    provider.on(
      'grant.success',
      (ctx: {
        oidc: {
          params: { grant_type?: string };
          client?: { clientId: string };
          body?: { client_assertion?: string };
        };
      }) => {
        const id = ctx.oidc.client?.clientId ?? '';
        const assertion = ctx.oidc.body?.client_assertion;
        if (assertion) assertionHeaders.push(decodeProtectedHeader(assertion));
        if (ctx.oidc.params.grant_type === 'refresh_token') refreshes.set(id, (refreshes.get(id) ?? 0) + 1);
      },
    );
    provider.on('grant.error', (_ctx: unknown, err: { error?: string }) =>
      grantErrors.push(err.error ?? '?'),
    );
    handler = provider.callback();
  };
  mount();
  const op: ConfiguredOp = {
    issuer,
    refreshGrants: (clientId) => refreshes.get(clientId) ?? 0,
    grantErrors,
    assertionHeaders,
    revocationCalls: () => revocations,
    signingKid: () => key.kid!,
    down: false,
    failRevocations: 0,
    async rotateSigningKey() {
      key = await signingKey();
      mount();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('request', (req, res) => {
    if (op.down) return void req.socket.destroy();
    if (req.url?.startsWith('/token/revocation')) {
      revocations++;
      if (op.failRevocations > 0) {
        op.failRevocations--;
        res.writeHead(503, { 'content-type': 'application/json' });
        return void res.end('{"error":"temporarily_unavailable"}');
      }
    }
    handler(req, res);
  });
  return op;
}

/** A discovery document served as is, at `<issuer>/.well-known/openid-configuration` (for PUT /integrations checks). */
export async function startDiscoveryStub(
  doc: (issuer: string) => Record<string, unknown>,
): Promise<{ issuer: string; close(): Promise<void> }> {
  let issuer = '';
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc(issuer)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

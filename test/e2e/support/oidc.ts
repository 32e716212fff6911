/**
 * A real OpenID provider (oidc-provider from npm) on 127.0.0.1 with a random port: refresh
 * tokens with rotation, revocation, introspection, userinfo and dev login/consent pages.
 * Counts refresh-token grants so tests can assert exactly-one refresh.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestOp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  refreshGrants: () => number;
  /** Error codes of failed token requests (e.g. invalid_grant), in order. */
  grantErrors: string[];
  close(): Promise<void>;
}

/** Any login is an account (its name is the `sub`), with an email claim; fixed cookie keys. */
export const testAccounts = {
  claims: { openid: ['sub'], email: ['email'] },
  findAccount: async (_ctx: unknown, sub: string) => ({
    accountId: sub,
    claims: async () => ({ sub, email: `${sub}@example.test` }),
  }),
  cookies: { keys: ['test-cookie-key-0123456789'] },
};

/** Token and session lifetimes (seconds); the access token's may be per client. */
export const testTtl = (
  accessToken: number | ((ctx: unknown, token: unknown, client: { clientId: string }) => number),
) => ({
  AccessToken: accessToken,
  AuthorizationCode: 60,
  IdToken: 3600,
  RefreshToken: 86400,
  Grant: 86400,
  Session: 3600,
  Interaction: 600,
});

export async function startOidcProvider(redirectUri: string): Promise<TestOp> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'hookbridge-test';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
    },
    rotateRefreshToken: true,
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    ...testAccounts,
    ttl: testTtl(3600),
  });
  let refreshes = 0;
  const grantErrors: string[] = [];
  provider.on('grant.success', (ctx: { oidc: { params: { grant_type?: string } } }) => {
    if (ctx.oidc.params.grant_type === 'refresh_token') refreshes++;
  });
  provider.on('grant.error', (_ctx: unknown, err: { error?: string }) => {
    grantErrors.push(err.error ?? 'unknown');
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    refreshGrants: () => refreshes,
    grantErrors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** OAuth introspection at the provider (client-authenticated), RFC 7662. */
export async function introspect(op: TestOp, token: string): Promise<{ active: boolean }> {
  const res = await fetch(`${op.issuer}/token/introspection`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${op.clientId}:${op.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }).toString(),
  });
  return (await res.json()) as { active: boolean };
}

export async function userinfo(op: TestOp, accessToken: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

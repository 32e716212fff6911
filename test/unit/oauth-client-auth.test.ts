import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { IntegrationConfig } from '../../shared/integrations/schema.js';
import {
  applyClientAuth,
  basicAuthorization,
  chooseClientAuth,
  formUrlEncode,
  prepareClientAuth,
} from '../../shared/oauth/client-auth.js';
import { buildRevocationRequest, buildTokenRequest, resolveProvider } from '../../shared/oauth/protocol.js';
import type { OutboundCall } from '../../shared/outbound/policy.js';
import { ClientCredentialsTokens } from '../../shared/proxy/client-credentials.js';

const blockedFetch = (() => Promise.reject(new Error('network is blocked in unit tests'))) as typeof fetch;
const creds = { clientId: 'app id+1:eu', clientSecret: 'p@ss w:rd+%/=~(x)' };

/** What an RFC 6749 server does: split at the first ':', then form-decode each side. */
const decodeBasic = (header: string) => {
  const plain = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
  const at = plain.indexOf(':');
  const formDecode = (s: string) => new URLSearchParams(`v=${s}`).get('v');
  return { id: formDecode(plain.slice(0, at)), secret: formDecode(plain.slice(at + 1)) };
};

describe('client authentication (RFC 6749 §2.3.1, appendix B)', () => {
  it('form-encodes the characters of appendix B’s example', () => {
    // The RFC writes the space as '+'; '%20' is the same value to a form decoder.
    expect(formUrlEncode(' %&+£€')).toBe('%20%25%26%2B%C2%A3%E2%82%AC');
    expect(formUrlEncode('a:b')).toBe('a%3Ab');
    expect(formUrlEncode("!'()~")).toBe('%21%27%28%29%7E');
    expect(formUrlEncode('Az09-._*')).toBe('Az09-._*');
  });

  it('encodes the id and the secret each before joining them, so ":" and "%" survive', () => {
    const header = basicAuthorization(creds);
    expect(Buffer.from(header.slice(6), 'base64').toString()).toBe(
      'app%20id%2B1%3Aeu:p%40ss%20w%3Ard%2B%25%2F%3D%7E%28x%29',
    );
    expect(decodeBasic(header)).toEqual({ id: creds.clientId, secret: creds.clientSecret });
  });

  it('client_secret_post sends the values as they are, for the body encoder to encode', () => {
    const fields: Record<string, string> = {};
    const headers: Record<string, string> = {};
    applyClientAuth('client_secret_post', creds, fields, headers);
    expect(fields).toEqual({ client_id: creds.clientId, client_secret: creds.clientSecret });
    expect(headers).toEqual({});
  });

  it('the token, revocation and client-credentials requests send the same Basic header', async () => {
    const p = await resolveProvider(
      IntegrationConfig.parse({
        type: 'oauth',
        provider: 'oauth2',
        authorizationUrl: 'https://idp.example.com/authorize',
        tokenUrl: 'https://idp.example.com/token',
        revocationUrl: 'https://idp.example.com/revoke',
        allowedReturnUrls: ['https://app.example.com/done'],
      }) as Parameters<typeof resolveProvider>[0],
      { fetch: blockedFetch, now: 0, discoveryCache: new Map() },
    );
    const token = buildTokenRequest(p, { grantType: 'refresh_token', refreshToken: 'rt' }, creds);
    const revoke = buildRevocationRequest(p, { value: 'rt', hint: 'refresh_token' }, creds);
    const sent: OutboundCall[] = [];
    const tokens = new ClientCredentialsTokens(
      async (call) => {
        sent.push(call);
        return { status: 200, headers: {}, body: Buffer.from('{"access_token":"at"}'), attempts: 1 };
      },
      () => 0,
    );
    await tokens.token(
      'int-1',
      { tokenUrl: 'https://idp.example.com/token', scopes: [], clientAuth: 'client_secret_basic' },
      creds,
      { forceRefresh: false },
    );
    expect(token.headers.authorization).toBe(basicAuthorization(creds));
    expect(revoke?.headers.authorization).toBe(basicAuthorization(creds));
    expect(sent[0]?.headers.authorization).toBe(basicAuthorization(creds));
  });
});

describe('client authentication chosen from discovery', () => {
  const secretOnly = { clientId: 'c1', clientSecret: 's'.repeat(40) };
  it.each([
    [undefined, secretOnly, 'client_secret_basic'],
    [['client_secret_post', 'client_secret_basic'], secretOnly, 'client_secret_basic'],
    [['client_secret_jwt'], secretOnly, 'client_secret_jwt'],
    [['private_key_jwt', 'client_secret_basic'], secretOnly, 'client_secret_basic'],
    [
      ['private_key_jwt', 'client_secret_basic'],
      { ...secretOnly, privateKeyJwk: { kty: 'EC', kid: 'k' } },
      'private_key_jwt',
    ],
    [['private_key_jwt'], secretOnly, undefined],
    [['tls_client_auth', 'none'], secretOnly, undefined],
    [
      ['client_secret_basic'],
      { clientId: 'c1', clientSecret: '', privateKeyJwk: { kty: 'EC', kid: 'k' } },
      undefined,
    ],
  ] as const)('offered %j -> %s', (offered, creds, chosen) => {
    expect(chooseClientAuth(offered, creds)).toBe(chosen ?? undefined);
  });

  it('client_secret_jwt: a fresh HS256 assertion per request (RFC 7523 claims), no secret in the body', async () => {
    const now = Date.UTC(2026, 11, 1);
    const server = {
      fixed: 'client_secret_basic' as const,
      offered: ['client_secret_jwt'],
      audience: 'https://op.example',
    };
    const [a, b] = await Promise.all([
      prepareClientAuth(server, secretOnly, now),
      prepareClientAuth(server, secretOnly, now),
    ]);
    const fields: Record<string, string> = {};
    applyClientAuth(a.method!, a, fields, {});
    expect(fields).toEqual({
      client_id: 'c1',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: a.clientAssertion,
    });
    const { payload } = await jwtVerify(
      a.clientAssertion!,
      new TextEncoder().encode(secretOnly.clientSecret),
      {
        currentDate: new Date(now),
      },
    );
    expect(payload).toMatchObject({
      iss: 'c1',
      sub: 'c1',
      aud: 'https://op.example',
      iat: now / 1000,
      exp: now / 1000 + 60,
    });
    expect(decodeJwt(b.clientAssertion!).jti).not.toBe(payload.jti);
  });

  it('no usable method, or a key that is not a private key: 500 misconfigured naming it', async () => {
    const server = { fixed: 'client_secret_basic' as const, offered: ['tls_client_auth'], audience: 'x' };
    await expect(prepareClientAuth(server, secretOnly, 0)).rejects.toMatchObject({ code: 'misconfigured' });
    const badKey = { ...secretOnly, privateKeyJwk: { kty: 'EC', kid: 'k', d: 'nope' } };
    await expect(
      prepareClientAuth({ ...server, offered: ['private_key_jwt'] }, badKey, 0),
    ).rejects.toMatchObject({ code: 'misconfigured', message: expect.stringContaining('privateKeyJwk') });
  });
});

/**
 * Each catalog provider's documented OAuth requests and answers, as data for the stand-in
 * (./standin.ts). Shapes follow the providers' own OAuth documentation (and Nango's
 * providers.yaml for the endpoints): field names, nesting, client authentication, body format,
 * required headers, rotation, post-connect calls and revocation.
 */
import type { StandinSpec, Tokens } from './standin.js';

const SHOP = 'acme-store';
const REALM = '9130350123456789';
const XERO_TENANT = '45e4708e-d862-4111-ab3a-dd8cd03913e1';
const XERO_AUTH_EVENT = 'd99ecdfe-391d-43d2-b834-17636ba90e8d';
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** Xero access tokens are JWTs; `authentication_event_id` names the sign-in that made them. */
const xeroJwt = (n: number) =>
  `${b64url({ alg: 'RS256', kid: '1CAF8E66772D6DC028D6726FD0261581570EFC19', typ: 'JWT' })}.${b64url({
    nbf: 1589363023,
    exp: 1589364823,
    iss: 'https://identity.xero.com',
    aud: 'https://identity.xero.com/resources',
    client_id: 'cid-xero',
    sub: '5ec8e3f7a7c55ec59d2dd7a4aa7c3b25',
    authentication_event_id: XERO_AUTH_EVENT,
    jti: `jti-${n}`,
    scope: ['accounting.settings.read', 'offline_access'],
  })}.c2lnbmF0dXJl`;
const ATLASSIAN_CLOUD = '1324a887-45db-1bf4-1e99-ef0ff456d421';
const SF_INSTANCE = 'https://acme.my.salesforce.com';
const SF_SANDBOX_INSTANCE = 'https://acme--uat.sandbox.my.salesforce.com';

const bearer = (t: Tokens, extra: Record<string, unknown> = {}) => ({
  access_token: t.access,
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: t.refresh,
  ...extra,
});

const discovery = (issuer: string, authorization: string, token: string) => ({
  issuer,
  document: {
    issuer,
    authorization_endpoint: authorization,
    token_endpoint: token,
    jwks_uri: `${issuer}/.well-known/jwks`,
    response_types_supported: ['code'],
  },
});

const salesforce = (key: string, login: string, instance: string, environment?: string): StandinSpec => ({
  key,
  provider: 'salesforce',
  integration: environment ? { environment } : {},
  authorize: {
    url: `${login}/services/oauth2/authorize`,
    params: { scope: 'api refresh_token' },
    pkce: true,
  },
  token: {
    url: `${login}/services/oauth2/token`,
    auth: 'post',
    format: 'form',
    // No expires_in; the refresh answer has no refresh_token (it is reused).
    code: (t) => ({
      access_token: t.access,
      refresh_token: t.refresh,
      signature: 'sig',
      scope: 'api refresh_token',
      instance_url: instance,
      id: `${login}/id/00Dxx0000001gPL/005xx000001Sv6A`,
      token_type: 'Bearer',
      issued_at: '1700000000000',
    }),
    refresh: {
      rotates: false,
      answer: (t) => ({
        access_token: t.access,
        signature: 'sig2',
        scope: 'api refresh_token',
        instance_url: instance,
        id: `${login}/id/00Dxx0000001gPL/005xx000001Sv6A`,
        token_type: 'Bearer',
        issued_at: '1700000360000',
      }),
    },
  },
  api: { method: 'GET', path: 'services/data/v60.0/limits', url: `${instance}/services/data/v60.0/limits` },
  revoke: {
    url: `${login}/services/oauth2/revoke`,
    auth: 'post',
    format: 'form',
    tokens: ['refresh', 'access'],
  },
  metadata: { instance_url: instance },
});

const quickbooks = (key: string, apiHost: string, environment?: string): StandinSpec => ({
  key,
  provider: 'quickbooks',
  integration: environment ? { environment } : {},
  authorize: {
    url: 'https://appcenter.intuit.com/connect/oauth2',
    params: { scope: 'com.intuit.quickbooks.accounting' },
    pkce: false,
  },
  callback: { realmId: REALM },
  token: {
    url: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    auth: 'basic',
    format: 'form',
    code: (t) => ({
      token_type: 'bearer',
      expires_in: 3600,
      refresh_token: t.refresh,
      x_refresh_token_expires_in: 8726400,
      access_token: t.access,
    }),
    refresh: {
      rotates: true,
      answer: (t) => ({
        token_type: 'bearer',
        expires_in: 3600,
        refresh_token: t.refresh,
        x_refresh_token_expires_in: 8726400,
        access_token: t.access,
      }),
    },
  },
  api: {
    method: 'GET',
    path: `v3/company/${REALM}/companyinfo/${REALM}`,
    url: `${apiHost}/v3/company/${REALM}/companyinfo/${REALM}`,
  },
  // Revoking the refresh token revokes the access token too: the second call may find it gone.
  revoke: {
    url: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
    auth: 'basic',
    format: 'json',
    tokens: ['refresh', 'access'],
  },
  metadata: { realmId: REALM, x_refresh_token_expires_in: 8726400 },
});

const github = (t: Tokens) => ({ access_token: t.access, scope: 'repo,user', token_type: 'bearer' });
const githubApp = (t: Tokens) => ({
  access_token: t.access,
  expires_in: 28800,
  refresh_token: t.refresh,
  refresh_token_expires_in: 15811200,
  scope: '',
  token_type: 'bearer',
});

export const STANDIN_SPECS: StandinSpec[] = [
  {
    key: 'google',
    provider: 'google',
    integration: { scopes: ['https://www.googleapis.com/auth/drive.readonly'] },
    discovery: discovery(
      'https://accounts.google.com',
      'https://accounts.google.com/o/oauth2/v2/auth',
      'https://oauth2.googleapis.com/token',
    ),
    authorize: {
      url: 'https://accounts.google.com/o/oauth2/v2/auth',
      params: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
      pkce: true,
    },
    token: {
      url: 'https://oauth2.googleapis.com/token',
      auth: 'post',
      format: 'form',
      code: (t) => ({
        access_token: t.access,
        expires_in: 3599,
        refresh_token: t.refresh,
        scope: 'https://www.googleapis.com/auth/drive.readonly',
        token_type: 'Bearer',
      }),
      // Google keeps the refresh token: the refresh answer has none.
      refresh: {
        rotates: false,
        answer: (t) => ({
          access_token: t.access,
          expires_in: 3599,
          scope: 'https://www.googleapis.com/auth/drive.readonly',
          token_type: 'Bearer',
        }),
      },
    },
    api: { method: 'GET', path: 'drive/v3/files', url: 'https://www.googleapis.com/drive/v3/files' },
    // Revoking the refresh token ends the grant: the access token is then 400 invalid_token.
    revoke: {
      url: 'https://oauth2.googleapis.com/revoke',
      auth: 'post',
      format: 'form',
      tokens: ['refresh', 'access'],
      answer: (kind) =>
        kind === 'refresh'
          ? { status: 200, body: '{}' }
          : { status: 400, body: '{"error":"invalid_token","error_description":"Token expired or revoked"}' },
    },
    metadata: {},
  },
  {
    key: 'microsoft',
    provider: 'microsoft',
    integration: { params: { tenant: 'contoso.onmicrosoft.com' }, scopes: ['User.Read.All'] },
    authorize: {
      url: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
      params: { response_mode: 'query', scope: 'offline_access User.Read.All' },
      pkce: true,
    },
    token: {
      url: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      auth: 'post',
      format: 'form',
      code: (t) => bearer(t, { scope: 'User.Read.All', expires_in: 3599, ext_expires_in: 3599 }),
      refresh: { rotates: true, answer: (t) => bearer(t, { scope: 'User.Read.All', expires_in: 3599 }) },
    },
    api: {
      method: 'GET',
      path: 'v1.0/users',
      url: 'https://graph.microsoft.com/v1.0/users?$count=true',
      callerHeaders: { ConsistencyLevel: 'eventual' },
      expectHeaders: { consistencylevel: 'eventual' },
    },
    metadata: { tenant: 'contoso.onmicrosoft.com' },
  },
  {
    key: 'github',
    provider: 'github',
    authorize: {
      url: 'https://github.com/login/oauth/authorize',
      params: { allow_signup: 'true' },
      pkce: true,
    },
    token: {
      url: 'https://github.com/login/oauth/access_token',
      auth: 'post',
      format: 'form',
      headers: { accept: 'application/json', 'user-agent': 'Hookbridge' },
      code: github,
    },
    api: {
      method: 'GET',
      path: 'user',
      url: 'https://api.github.com/user',
      expectHeaders: { 'user-agent': 'Hookbridge' },
    },
    metadata: {},
  },
  {
    key: 'github-app',
    provider: 'github-app',
    authorize: { url: 'https://github.com/login/oauth/authorize', params: {}, pkce: true },
    token: {
      url: 'https://github.com/login/oauth/access_token',
      auth: 'post',
      format: 'form',
      headers: { accept: 'application/json', 'user-agent': 'Hookbridge' },
      code: githubApp,
      refresh: { rotates: true, answer: githubApp },
    },
    api: {
      method: 'GET',
      path: 'user/installations',
      url: 'https://api.github.com/user/installations',
      callerHeaders: { 'User-Agent': 'acme-app/1.0', 'X-GitHub-Api-Version': '2022-11-28' },
      expectHeaders: { 'user-agent': 'acme-app/1.0', 'x-github-api-version': '2022-11-28' },
    },
    metadata: { refresh_token_expires_in: 15811200 },
  },
  {
    key: 'slack',
    provider: 'slack',
    integration: { scopes: ['chat:write', 'users:read'] },
    authorize: {
      url: 'https://slack.com/oauth/v2/authorize',
      params: { user_scope: 'chat:write,users:read' },
      scopeParam: 'user_scope',
      pkce: false,
    },
    token: {
      url: 'https://slack.com/api/oauth.v2.access',
      auth: 'post',
      format: 'form',
      // With token rotation: the user token under authed_user at the code exchange ...
      code: (t) => ({
        ok: true,
        app_id: 'A0KRD7HC3',
        authed_user: {
          id: 'U1234',
          scope: 'chat:write,users:read',
          access_token: t.access,
          token_type: 'user',
          refresh_token: t.refresh,
          expires_in: 43200,
        },
        team: { id: 'T9TK3CUKW', name: 'Slack Pickleball Team' },
        enterprise: null,
        is_enterprise_install: false,
      }),
      // ... and at the top level on refresh.
      refresh: {
        rotates: true,
        answer: (t) => ({
          ok: true,
          access_token: t.access,
          token_type: 'user',
          scope: 'chat:write,users:read',
          refresh_token: t.refresh,
          expires_in: 43200,
          team: { id: 'T9TK3CUKW', name: 'Slack Pickleball Team' },
          enterprise: null,
          is_enterprise_install: false,
        }),
      },
    },
    api: { method: 'GET', path: 'auth.test', url: 'https://slack.com/api/auth.test' },
    // auth.revoke revokes the token it is given: the access token, then the rotation refresh token.
    revoke: {
      url: 'https://slack.com/api/auth.revoke',
      auth: 'post',
      format: 'form',
      tokens: ['access', 'refresh'],
      answer: () => ({ status: 200, body: '{"ok":true,"revoked":true}' }),
    },
    metadata: { 'team.id': 'T9TK3CUKW', 'authed_user.id': 'U1234', app_id: 'A0KRD7HC3' },
  },
  salesforce('salesforce', 'https://login.salesforce.com', SF_INSTANCE),
  salesforce('salesforce-sandbox', 'https://test.salesforce.com', SF_SANDBOX_INSTANCE, 'sandbox'),
  {
    key: 'hubspot',
    provider: 'hubspot',
    integration: { scopes: ['crm.objects.contacts.read'] },
    authorize: {
      url: 'https://app.hubspot.com/oauth/authorize',
      params: { scope: 'crm.objects.contacts.read' },
      pkce: false,
    },
    token: {
      url: 'https://api.hubapi.com/oauth/v1/token',
      auth: 'post',
      format: 'form',
      code: (t) => ({
        token_type: 'bearer',
        refresh_token: t.refresh,
        access_token: t.access,
        expires_in: 1800,
      }),
      // HubSpot refresh tokens do not change.
      refresh: {
        rotates: false,
        answer: (t) => ({
          token_type: 'bearer',
          refresh_token: t.refresh,
          access_token: t.access,
          expires_in: 1800,
        }),
      },
    },
    api: {
      method: 'GET',
      path: 'crm/v3/objects/contacts',
      url: 'https://api.hubapi.com/crm/v3/objects/contacts?limit=10',
    },
    metadata: {},
  },
  {
    key: 'notion',
    provider: 'notion',
    authorize: { url: 'https://api.notion.com/v1/oauth/authorize', params: { owner: 'user' }, pkce: false },
    token: {
      url: 'https://api.notion.com/v1/oauth/token',
      auth: 'basic',
      format: 'json',
      headers: { 'notion-version': '2022-06-28' },
      code: (t) => ({
        access_token: t.access,
        token_type: 'bearer',
        refresh_token: t.refresh,
        bot_id: 'b3414d65-1224-4a13-9b6e-2b3a1c2d3e4f',
        workspace_name: 'Acme',
        workspace_icon: null,
        workspace_id: 'j565j4d7-5e5a-4b2d-9a0e-1c2d3e4f5a6b',
        owner: { type: 'user', user: { object: 'user', id: 'u-1' } },
        duplicated_template_id: null,
        request_id: 'req-1',
      }),
      refresh: {
        rotates: true,
        answer: (t) => ({
          access_token: t.access,
          token_type: 'bearer',
          refresh_token: t.refresh,
          bot_id: 'b3414d65-1224-4a13-9b6e-2b3a1c2d3e4f',
          workspace_name: 'Acme',
          workspace_id: 'j565j4d7-5e5a-4b2d-9a0e-1c2d3e4f5a6b',
          request_id: 'req-2',
        }),
      },
    },
    api: {
      method: 'GET',
      path: 'v1/users/me',
      url: 'https://api.notion.com/v1/users/me',
      expectHeaders: { 'notion-version': '2022-06-28' },
    },
    revoke: {
      url: 'https://api.notion.com/v1/oauth/revoke',
      auth: 'basic',
      format: 'json',
      headers: { 'notion-version': '2022-06-28' },
      tokens: ['access'],
      answer: () => ({ status: 200, body: '{}' }),
    },
    metadata: { workspace_id: 'j565j4d7-5e5a-4b2d-9a0e-1c2d3e4f5a6b', workspace_name: 'Acme' },
  },
  {
    key: 'shopify',
    provider: 'shopify',
    integration: { params: { shop: SHOP }, scopes: ['read_products'] },
    authorize: {
      url: `https://${SHOP}.myshopify.com/admin/oauth/authorize`,
      params: { scope: 'read_products' },
      pkce: false,
    },
    callback: {
      shop: `${SHOP}.myshopify.com`,
      host: 'YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZQ',
      timestamp: '1700000000',
    },
    token: {
      url: `https://${SHOP}.myshopify.com/admin/oauth/access_token`,
      auth: 'post',
      format: 'form',
      // Expiring offline tokens: asked for at the code exchange, 1 h, a rotating refresh token.
      codeFields: { expiring: '1' },
      code: (t) => ({
        access_token: t.access,
        scope: 'read_products',
        expires_in: 3600,
        refresh_token: t.refresh,
        refresh_token_expires_in: 7776000,
      }),
      refresh: {
        rotates: true,
        answer: (t) => ({
          access_token: t.access,
          scope: 'read_products',
          expires_in: 3600,
          refresh_token: t.refresh,
          refresh_token_expires_in: 7776000,
        }),
      },
    },
    api: {
      method: 'GET',
      path: '2025-10/shop.json',
      url: `https://${SHOP}.myshopify.com/admin/api/2025-10/shop.json`,
      credential: (access) => ['x-shopify-access-token', access],
    },
    metadata: { shop: SHOP, refresh_token_expires_in: 7776000 },
  },
  {
    key: 'stripe',
    provider: 'stripe',
    authorize: {
      url: 'https://connect.stripe.com/oauth/authorize',
      params: { scope: 'read_write' },
      pkce: false,
    },
    token: {
      url: 'https://connect.stripe.com/oauth/token',
      auth: 'post',
      format: 'form',
      code: (t) => ({
        access_token: t.access,
        livemode: false,
        refresh_token: t.refresh,
        token_type: 'bearer',
        stripe_publishable_key: 'pk_test_51Acme',
        stripe_user_id: 'acct_1AcmeConnected',
        scope: 'read_write',
      }),
      // The refresh token can be used again: the answer repeats it.
      refresh: {
        rotates: false,
        answer: (t) => ({
          access_token: t.access,
          livemode: false,
          refresh_token: t.refresh,
          token_type: 'bearer',
          stripe_publishable_key: 'pk_test_51Acme',
          stripe_user_id: 'acct_1AcmeConnected',
          scope: 'read_write',
        }),
      },
    },
    api: { method: 'GET', path: 'v1/balance', url: 'https://api.stripe.com/v1/balance' },
    metadata: { stripe_user_id: 'acct_1AcmeConnected', livemode: false },
  },
  quickbooks('quickbooks', 'https://quickbooks.api.intuit.com'),
  quickbooks('quickbooks-sandbox', 'https://sandbox-quickbooks.api.intuit.com', 'sandbox'),
  {
    key: 'atlassian',
    provider: 'atlassian',
    integration: { scopes: ['read:jira-user'] },
    authorize: {
      url: 'https://auth.atlassian.com/authorize',
      params: { audience: 'api.atlassian.com', prompt: 'consent', scope: 'offline_access read:jira-user' },
      pkce: false,
    },
    token: {
      url: 'https://auth.atlassian.com/oauth/token',
      auth: 'post',
      format: 'json',
      code: (t) => bearer(t, { scope: 'offline_access read:jira-user' }),
      // Rotating refresh tokens.
      refresh: { rotates: true, answer: (t) => bearer(t, { scope: 'offline_access read:jira-user' }) },
    },
    postConnect: {
      url: 'https://api.atlassian.com/oauth/token/accessible-resources',
      answer: [
        {
          id: ATLASSIAN_CLOUD,
          url: 'https://acme.atlassian.net',
          name: 'acme',
          scopes: ['read:jira-user'],
          avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png',
        },
      ],
    },
    api: {
      method: 'GET',
      base: 'jira',
      path: 'rest/api/3/myself',
      url: `https://api.atlassian.com/ex/jira/${ATLASSIAN_CLOUD}/rest/api/3/myself`,
    },
    metadata: { cloud_id: ATLASSIAN_CLOUD, site_url: 'https://acme.atlassian.net' },
  },
  {
    key: 'linear',
    provider: 'linear',
    authorize: {
      url: 'https://linear.app/oauth/authorize',
      params: { scope: 'read', prompt: 'consent' },
      pkce: true,
    },
    token: {
      url: 'https://api.linear.app/oauth/token',
      auth: 'post',
      format: 'form',
      code: (t) => bearer(t, { expires_in: 86399, scope: 'read' }),
      refresh: { rotates: true, answer: (t) => bearer(t, { expires_in: 86399, scope: 'read' }) },
    },
    api: { method: 'POST', path: 'graphql', url: 'https://api.linear.app/graphql' },
    revoke: { url: 'https://api.linear.app/oauth/revoke', auth: 'post', format: 'form', tokens: ['access'] },
    metadata: {},
  },
  {
    key: 'dropbox',
    provider: 'dropbox',
    authorize: {
      url: 'https://www.dropbox.com/oauth2/authorize',
      params: { token_access_type: 'offline' },
      pkce: true,
    },
    token: {
      url: 'https://api.dropboxapi.com/oauth2/token',
      auth: 'basic',
      format: 'form',
      code: (t) => ({
        access_token: t.access,
        expires_in: 14400,
        token_type: 'bearer',
        scope: 'files.content.read',
        refresh_token: t.refresh,
        account_id: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
        uid: '12345',
      }),
      // Dropbox refresh tokens are long-lived: the refresh answer has none.
      refresh: {
        rotates: false,
        answer: (t) => ({ access_token: t.access, token_type: 'bearer', expires_in: 14400 }),
      },
    },
    api: {
      method: 'POST',
      base: 'content',
      path: '2/files/download',
      url: 'https://content.dropboxapi.com/2/files/download',
      callerHeaders: { 'Dropbox-API-Arg': '{"path":"/Homework/math/Prime_Numbers.txt"}' },
      expectHeaders: { 'dropbox-api-arg': '{"path":"/Homework/math/Prime_Numbers.txt"}' },
    },
    metadata: { account_id: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc' },
  },
  {
    key: 'zoom',
    provider: 'zoom',
    authorize: { url: 'https://zoom.us/oauth/authorize', params: {}, pkce: true },
    token: {
      url: 'https://zoom.us/oauth/token',
      auth: 'basic',
      format: 'form',
      code: (t) => ({
        access_token: t.access,
        token_type: 'bearer',
        refresh_token: t.refresh,
        expires_in: 3599,
        scope: 'user:read',
        api_url: 'https://api.zoom.us',
      }),
      refresh: {
        rotates: true,
        answer: (t) => ({
          access_token: t.access,
          token_type: 'bearer',
          refresh_token: t.refresh,
          expires_in: 3599,
          scope: 'user:read',
          api_url: 'https://api.zoom.us',
        }),
      },
    },
    api: { method: 'GET', path: 'users/me', url: 'https://api.zoom.us/v2/users/me' },
    revoke: {
      url: 'https://zoom.us/oauth/revoke',
      auth: 'basic',
      format: 'form',
      tokens: ['access'],
      answer: () => ({ status: 200, body: '{"status":"success"}' }),
    },
    metadata: {},
  },
  {
    key: 'xero',
    provider: 'xero',
    integration: { scopes: ['accounting.settings.read'] },
    discovery: discovery(
      'https://identity.xero.com',
      'https://login.xero.com/identity/connect/authorize',
      'https://identity.xero.com/connect/token',
    ),
    authorize: {
      url: 'https://login.xero.com/identity/connect/authorize',
      params: { scope: 'offline_access accounting.settings.read' },
      pkce: true,
    },
    token: {
      url: 'https://identity.xero.com/connect/token',
      auth: 'basic',
      format: 'form',
      accessToken: xeroJwt,
      code: (t) => bearer(t, { expires_in: 1800, scope: 'offline_access accounting.settings.read' }),
      refresh: {
        rotates: true,
        answer: (t) => bearer(t, { expires_in: 1800, scope: 'offline_access accounting.settings.read' }),
      },
    },
    postConnect: {
      url: 'https://api.xero.com/connections',
      // An organisation connected in an earlier sign-in comes first; this sign-in's is the second.
      answer: [
        {
          id: '0b3c1a30-5d2f-4b49-9b1e-3c1f0d2e4a5b',
          authEventId: '5e4a3b2c-1d0e-4f9a-8b7c-6d5e4f3a2b1c',
          tenantId: 'a3c0b1d2-0000-4000-8000-000000000001',
          tenantType: 'ORGANISATION',
          tenantName: 'Demo Company (Global)',
          createdDateUtc: '2019-01-02T03:04:05.0000000',
          updatedDateUtc: '2019-01-02T03:04:05.0000000',
        },
        {
          id: 'e1eede29-f875-4a5d-8470-17f6a29a88b1',
          authEventId: XERO_AUTH_EVENT,
          tenantId: XERO_TENANT,
          tenantType: 'ORGANISATION',
          tenantName: 'Maple Florist',
          createdDateUtc: '2019-07-09T23:40:30.1833130',
          updatedDateUtc: '2020-05-15T01:35:13.8491980',
        },
      ],
    },
    api: {
      method: 'GET',
      path: 'api.xro/2.0/Organisation',
      url: 'https://api.xero.com/api.xro/2.0/Organisation',
      expectHeaders: { 'xero-tenant-id': XERO_TENANT },
    },
    // Xero revokes refresh tokens only: the access token is refused as unsupported_token_type.
    revoke: {
      url: 'https://identity.xero.com/connect/revocation',
      auth: 'basic',
      format: 'form',
      tokens: ['refresh', 'access'],
      answer: (kind) =>
        kind === 'refresh'
          ? { status: 200, body: '' }
          : { status: 400, body: '{"error":"unsupported_token_type"}' },
    },
    metadata: { tenant_id: XERO_TENANT, tenant_name: 'Maple Florist' },
  },
];

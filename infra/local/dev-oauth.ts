/**
 * The local runtime's dev OpenID provider, for `provider: "dev"` integrations: a real oidc-provider
 * mounted at /dev-oauth on the local port. Any name signs in (no password), a consent page follows,
 * refresh tokens rotate, and revocation, introspection and userinfo (`/me`) are on. Its one client
 * is the dev secret `hookbridge/oauth/local/dev`; its state lives in memory, so a restart forgets
 * every grant. Only infra/local imports oidc-provider (a devDependency): no Lambda bundle holds it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, default as Provider } from 'oidc-provider';
import { errorPage, escapeHtml, page } from '../../shared/connections/pages.js';
import { DEV_OAUTH_CLIENT_SECRET_NAME } from '../../shared/secret-names.js';
import { parseSecretValue } from '../../shared/secrets.js';
import type { Mount } from './http.js';

export const DEV_OAUTH_PATH = '/dev-oauth';

/** The running provider, or why it is not running (the banner says it; `dev` integrations are refused). */
export type DevOAuth = { issuer: string; handler: Mount } | { error: string };

type ProviderModule = { default: typeof Provider };

export interface DevOAuthOptions {
  /** The local runtime's port: the issuer is http://127.0.0.1:port/dev-oauth. */
  port: number;
  /** HOOKBRIDGE_PUBLIC_URL: a third place Hookbridge's callback may be reached, beside 127.0.0.1 and localhost. */
  publicUrl?: string | undefined;
  /** The secrets file's `hookbridge/oauth/local/dev` value. */
  client: unknown;
  /** Tests: a loader that fails, as a missing devDependency would. */
  load?: () => Promise<ProviderModule>;
}

export async function startDevOAuth(opts: DevOAuthOptions): Promise<DevOAuth> {
  const client = parseSecretValue(opts.client) as { clientId?: unknown; clientSecret?: unknown } | undefined;
  if (typeof client?.clientId !== 'string' || typeof client.clientSecret !== 'string')
    return { error: `the secrets file's ${DEV_OAUTH_CLIENT_SECRET_NAME} is not {"clientId","clientSecret"}` };
  let mod: ProviderModule;
  try {
    mod = await (opts.load ?? (() => import('oidc-provider') as Promise<ProviderModule>))();
  } catch (err) {
    return { error: `oidc-provider did not load (${(err as Error).message.split('\n')[0]})` };
  }
  const issuer = `http://127.0.0.1:${opts.port}${DEV_OAUTH_PATH}`;
  const redirectUris = [`http://127.0.0.1:${opts.port}`, `http://localhost:${opts.port}`, opts.publicUrl]
    .filter(Boolean)
    .map((u) => `${u}/oauth/callback`);
  const provider = new mod.default(
    issuer,
    providerConfig(redirectUris, client.clientId, client.clientSecret),
  );
  const callback = provider.callback();
  const handler: Mount = (req, res) => {
    const url = req.url ?? '/';
    // Mounted below a path, as oidc-provider documents: it finds the mount from originalUrl.
    (req as { originalUrl?: string }).originalUrl = url;
    req.url = url.slice(DEV_OAUTH_PATH.length) || '/';
    if (!req.url.startsWith('/interaction/')) return callback(req, res);
    interaction(provider, req, res).catch((err: { status?: number; error_description?: string }) =>
      send(
        res,
        err.status ?? 500,
        errorPage('dev_oauth', err.error_description ?? 'The dev provider failed'),
      ),
    );
  };
  return { issuer, handler };
}

const providerConfig = (redirectUris: string[], clientId: string, clientSecret: string) => ({
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      client_name: 'Hookbridge (local)',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [signingKey()] },
  adapter: memoryAdapter(),
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  interactions: { url: (_ctx: unknown, i: { uid: string }) => `${DEV_OAUTH_PATH}/interaction/${i.uid}` },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true, allowedPolicy: ownTokensOnly },
    introspection: { enabled: true, allowedPolicy: ownTokensOnly },
    userinfo: { enabled: true },
  },
  rotateRefreshToken: true,
  scopes: ['openid', 'offline_access', 'profile'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  findAccount: async (_ctx: unknown, sub: string) => ({
    accountId: sub,
    claims: async () => ({ sub, name: sub, preferred_username: sub }),
  }),
  renderError: async (
    ctx: { type: string; body: string },
    out: { error: string; error_description?: string },
  ) => {
    ctx.type = 'html';
    ctx.body = errorPage(out.error, out.error_description ?? 'The dev provider refused the request');
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 14 * 86400,
    Grant: 14 * 86400,
    Session: 86400,
    Interaction: 600,
  },
});

/** Introspection and revocation: a client may ask only about its own tokens (there is one client). */
const ownTokensOnly = async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
  token.clientId === undefined || token.clientId === client.clientId;

const signingKey = () => {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `dev-${randomBytes(6).toString('hex')}`, alg: 'ES256', use: 'sig' };
};

type Stored = { payload: Record<string, unknown>; until: number };
const MAX_ITEMS = 10_000;

/** oidc-provider's storage, in memory and bounded (the oldest item goes first): a dev provider forgets on restart. */
function memoryAdapter() {
  const items = new Map<string, Stored>();
  const get = (key: string) => {
    const hit = items.get(key);
    if (hit && hit.until <= Date.now()) items.delete(key);
    return hit && hit.until > Date.now() ? hit.payload : undefined;
  };
  return (model: string) => ({
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      if (items.size >= MAX_ITEMS) items.delete(items.keys().next().value!);
      items.set(`${model}:${id}`, { payload, until: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    },
    find: async (id: string) => get(`${model}:${id}`),
    findByUid: async (uid: string) =>
      [...items.entries()].find(([k, v]) => k.startsWith(`${model}:`) && v.payload.uid === uid)?.[1].payload,
    findByUserCode: async () => undefined,
    async consume(id: string) {
      const p = get(`${model}:${id}`);
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    },
    destroy: async (id: string) => void items.delete(`${model}:${id}`),
    async revokeByGrantId(grantId: string) {
      for (const [k, v] of items)
        if (k.startsWith(`${model}:`) && v.payload.grantId === grantId) items.delete(k);
    },
  });
}

const send = (res: ServerResponse, status: number, html: string) => {
  if (res.headersSent) return void res.end();
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .end(html);
};

const readForm = async (req: IncomingMessage): Promise<URLSearchParams> => {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
};

/** `/interaction/{uid}` shows the prompt; POSTs to `/login`, `/confirm` and `/abort` answer it. */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [, , uid, action] = (req.url ?? '').split('?')[0]!.split('/');
  const details = await provider.interactionDetails(req, res);
  const finish = (result: Record<string, unknown>) =>
    provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  if (details.uid !== uid) return send(res, 400, errorPage('invalid_request', 'This sign-in page is stale'));
  if (req.method === 'GET' && action === undefined)
    return send(res, 200, details.prompt.name === 'login' ? loginPage(uid) : consentPage(details));
  if (req.method !== 'POST') return send(res, 405, errorPage('method_not_allowed', 'Use the form'));
  const form = await readForm(req);
  if (action === 'login') {
    const name = (form.get('login') ?? '').trim();
    if (!/^\P{Cc}{1,64}$/u.test(name))
      return send(res, 400, loginPage(uid, 'Type a name of 1 to 64 characters.'));
    return finish({ login: { accountId: name } });
  }
  if (action === 'confirm') return finish({ consent: { grantId: await grantFor(provider, details) } });
  if (action === 'abort')
    return finish({ error: 'access_denied', error_description: 'The user did not allow access' });
  send(res, 404, errorPage('not_found', 'No such step'));
}

/** The grant the user consented to: every scope and claim the request asked for. */
async function grantFor(provider: Provider, details: InteractionDetails): Promise<string> {
  const accountId = details.session?.accountId ?? '';
  const clientId = String(details.params.client_id);
  const grant =
    (details.grantId && (await provider.Grant.find(details.grantId))) ||
    new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
    grant.addResourceScope(indicator, scopes.join(' '));
  return grant.save();
}

// --- the two pages: the OAuth pages' look (shared/connections/pages.ts), no scripts, no external assets ---
const CSS =
  'form{margin:1.5rem 0}label{display:block;font-weight:600;margin-bottom:.3rem}' +
  'input{font:inherit;padding:.5rem .6rem;width:100%;box-sizing:border-box;border:1px solid #bbb;border-radius:6px}' +
  'button{font:inherit;padding:.5rem 1.1rem;border-radius:6px;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;margin:1rem .5rem 0 0;cursor:pointer}' +
  'button.secondary{background:#fff;color:#1f5fbf}.hint{color:#666;font-size:.9rem}.error{color:#b00020}' +
  'ul{padding-left:1.2rem}.badge{display:inline-block;font-size:.75rem;background:#fff3cd;color:#6b5200;border-radius:4px;padding:0 .4em;margin-left:.4em;vertical-align:middle}';
const HEADER = '<h1>Dev OAuth<span class="badge">local only</span></h1>';
const action = (uid: string, step: string) =>
  `${DEV_OAUTH_PATH}/interaction/${encodeURIComponent(uid)}/${step}`;

function loginPage(uid: string, problem?: string): string {
  return page(
    'Sign in - Dev OAuth',
    `${HEADER}<p>Sign in to the local runtime's dev provider. Any name works; there is no password.</p>
<form method="post" action="${action(uid, 'login')}">
<label for="login">Your name</label>
<input id="login" name="login" autocomplete="off" autofocus required maxlength="64" placeholder="alice">
${problem ? `<p class="error" id="login-error">${escapeHtml(problem)}</p>` : ''}
<button type="submit">Sign in</button></form>
<p class="hint">The name becomes your user id (<code>sub</code>) and your <code>name</code> at the userinfo endpoint.</p>`,
    CSS,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'See your name',
  offline_access: 'Stay connected when you are away (a refresh token)',
};

function consentPage(details: InteractionDetails): string {
  const scopes = String(details.params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  const who = details.session?.accountId ?? '';
  const uid = details.uid;
  return page(
    'Allow access - Dev OAuth',
    `${HEADER}<p>Signed in as <strong id="account">${escapeHtml(who)}</strong>.</p>
<p><strong>Hookbridge (local)</strong> asks to:</p>
<ul id="scopes">${scopes.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)} <code>${escapeHtml(s)}</code></li>`).join('')}</ul>
<form method="post" action="${action(uid, 'confirm')}">
<button type="submit" autofocus>Allow</button>
<button type="submit" class="secondary" formaction="${action(uid, 'abort')}">Deny</button></form>`,
    CSS,
  );
}

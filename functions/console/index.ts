/**
 * The console: its page and assets (built into shared/console/assets.gen.ts by `npm run console`),
 * and the session routes. Everything the page shows comes from the public API under
 * /console/api, authenticated by the session cookie in each API function (shared/http/lambda.ts).
 */
import { buildCore, type CoreContainer } from '../../infra/container/core.js';
import { httpLambda } from '../../infra/container/lambda.js';
import { consoleRoutes } from '../../infra/routes/console.js';
import type { Principal } from '../../shared/auth/api-keys.js';
import {
  adminKey,
  authenticateSession,
  consoleSession,
  resolveApiKey,
  resolveKeyId,
} from '../../shared/auth/authenticate.js';
import { CONSOLE_CSS, CONSOLE_JS, CONSOLE_VERSION } from '../../shared/console/assets.gen.js';
import { consoleHeaders, consolePage } from '../../shared/console/page.js';
import { sessionCookie } from '../../shared/console/session.js';
import { sealSession } from '../../shared/console/session-token.js';
import { HookbridgeError } from '../../shared/errors.js';
import { routesOf } from '../../shared/http/route.js';
import { type HttpRequest, json, parseJsonBody } from '../../shared/http/types.js';
import { CreateConsoleSessionBody } from '../../shared/schemas/console.js';

const view = (p: Principal, csrf: string, exp: number) => ({
  keyId: p.keyId,
  scopes: p.scopes,
  csrfToken: csrf,
  expiresAt: new Date(exp * 1000).toISOString(),
});

const secure = (req: HttpRequest) => req.baseUrl.startsWith('https:');

const signedOut = (req: HttpRequest) => ({ status: 204, cookies: [sessionCookie('', 0, secure(req))] });

const asset = (type: string, body: string) => ({
  status: 200,
  headers: { ...consoleHeaders(type), 'cache-control': 'public, max-age=31536000, immutable' },
  body,
});

const impls = ({ http: { auth } }: CoreContainer) => ({
  'GET /console': () => ({
    status: 200,
    headers: consoleHeaders('text/html; charset=utf-8'),
    body: consolePage(CONSOLE_VERSION),
  }),
  'GET /console/console.js': () => asset('text/javascript; charset=utf-8', CONSOLE_JS),
  'GET /console/console.css': () => asset('text/css; charset=utf-8', CONSOLE_CSS),
  'POST /console/session': async (req: HttpRequest) => {
    const { apiKey } = parseJsonBody(req, CreateConsoleSessionBody);
    const principal = await resolveApiKey(auth, apiKey);
    if (!principal) throw new HookbridgeError('unauthorized', 'The API key is not valid or has been revoked');
    const admin = await adminKey(auth);
    if (!admin)
      throw new HookbridgeError('misconfigured', 'The console needs the admin key (hookbridge/admin)');
    // One clock reading: Max-Age is the session's whole lifetime, whatever the store write took.
    const now = auth.clock.now();
    const s = await sealSession(admin, principal.keyId, now);
    await auth.consoleSessions.put({ id: s.sid, keyId: s.keyId, expiresAt: s.exp * 1000 });
    return {
      ...json(201, view(principal, s.csrf, s.exp), { 'cache-control': 'no-store' }),
      cookies: [sessionCookie(s.token, s.exp - Math.floor(now / 1000), secure(req))],
    };
  },
  'GET /console/session': async (req: HttpRequest) => {
    const s = await consoleSession(auth, req.cookies);
    const principal = await resolveKeyId(auth, s.keyId);
    if (!principal) throw new HookbridgeError('unauthorized', 'The API key of this session has been revoked');
    return json(200, view(principal, s.csrf, s.exp), { 'cache-control': 'no-store' });
  },
  'DELETE /console/session': async (req: HttpRequest) => {
    await auth.consoleSessions.delete((await authenticateSession(auth, req)).sessionId);
    return signedOut(req);
  },
  'DELETE /console/sessions': async (req: HttpRequest) => {
    await authenticateSession(auth, req, 'admin');
    const ended = await auth.consoleSessions.deleteAll(auth.clock.now());
    return { ...json(200, { ended }, { 'cache-control': 'no-store' }), cookies: signedOut(req).cookies };
  },
});

export const handler = httpLambda(buildCore, routesOf(consoleRoutes, 'console'), impls);

import type { RouteDef } from '../../shared/http/route.js';
import {
  ConsoleSessionsEnded,
  ConsoleSessionView,
  CreateConsoleSessionBody,
} from '../../shared/schemas/console.js';
import { routeGroup } from './define.js';

// Its own module: the console bundle then holds none of the other routes' schemas.
const ui = routeGroup('console', 'console');

const page = {
  produces: 'text/html',
  responses: { 200: 'The console (a page for a person holding an API key)' },
};
const asset = (what: string) => ({ produces: what, responses: { 200: `The console's ${what}` } });

export const consoleRoutes: RouteDef[] = [
  ui.get('/console', 'none', 'The console: a web page over this API for a person holding an API key', page),
  ui.get('/console/console.js', 'none', "The console's script", asset('text/javascript')),
  ui.get('/console/console.css', 'none', "The console's style sheet", asset('text/css')),
  ui.post(
    '/console/session',
    'none',
    'Sign in: exchange an API key for a 30-minute HttpOnly session cookie (Path=/console)',
    {
      body: CreateConsoleSessionBody,
      responses: { 201: ConsoleSessionView },
      errors: { 401: 'unauthorized: the API key is not valid or has been revoked' },
    },
  ),
  ui.get('/console/session', 'session', 'The signed-in key, its scopes and the CSRF token', {
    responses: { 200: ConsoleSessionView },
  }),
  ui.delete('/console/session', 'session', 'Sign out: ends the session (server-side) and clears its cookie', {
    responses: { 204: 'Signed out' },
  }),
  ui.delete(
    '/console/sessions',
    'session',
    'End every console session, this one too (a session of the admin scope)',
    {
      responses: { 200: ConsoleSessionsEnded },
      errors: { 403: "insufficient_scope: the session's key is not an admin key" },
    },
  ),
];

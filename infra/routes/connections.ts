import type { RouteDef } from '../../shared/http/route.js';
import { IntegrationConfig, IntegrationList, IntegrationView } from '../../shared/integrations/schema.js';
import { IdParams } from '../../shared/schemas/common.js';
import {
  AccessTokenView,
  AuthorizeQuery,
  ConnectionDeleted,
  ConnectionList,
  ConnectionView,
  ConnectSessionCreated,
  CreateConnectSessionBody,
  ListConnectionsQuery,
  RevocationView,
} from '../../shared/schemas/connections.js';
import { badCursor, byId, routeGroup } from './define.js';

const params = IdParams;
const tokenErrors = {
  403: 'ssrf_blocked: the token endpoint resolves to a refused address (reason)',
  404: 'not_found: no connection with this id',
  409: 'needs_reauth: the end user must connect again (connectionId)',
  502: 'token_exchange_failed or upstream_error: the provider refused or failed the refresh (providerError)',
  504: 'upstream_timeout: the provider did not answer in time',
};

const connections = routeGroup('connections-api', 'connections');
const oauth = routeGroup('oauth', 'oauth');

export const connectionRoutes: RouteDef[] = [
  {
    method: 'PUT',
    path: '/integrations/{id}',
    fn: 'connections-api',
    auth: 'api-key',
    scope: 'integrations:write',
    tag: 'connections',
    summary:
      'Create or replace an integration (OAuth catalog provider, OIDC issuer, generic OAuth 2, API key, client credentials)',
    params,
    body: IntegrationConfig,
    responses: { 200: IntegrationView, 201: IntegrationView },
    errors: {
      400: 'invalid_request: a bad body or catalog params; for provider "oidc", discovery did not load, advertises no usable client authentication method, or requires PAR without an endpoint; issuer_mismatch: the discovery document names another issuer',
      403: 'ssrf_blocked: the issuer resolves to a refused address (reason)',
    },
  },
  connections.get('/integrations/{id}', 'connections:read', 'Get an integration', {
    ...byId('integration'),
    responses: { 200: IntegrationView },
  }),
  connections.get('/integrations', 'connections:read', 'List integrations', {
    responses: { 200: IntegrationList },
  }),
  connections.post(
    '/connect-sessions',
    'connections:write',
    'Start a connection for an end user: a single-use URL valid for 30 minutes',
    {
      body: CreateConnectSessionBody,
      responses: { 201: ConnectSessionCreated },
      errors: {
        400: 'invalid_request: the integration is not OAuth; invalid_return_url: returnUrl is not allow-listed',
        404: 'not_found: no integration integrationId',
      },
    },
  ),
  connections.get(
    '/connections',
    'connections:read',
    'List connections by end user, integration and status',
    {
      query: ListConnectionsQuery,
      responses: { 200: ConnectionList },
      errors: badCursor('these filters'),
    },
  ),
  connections.get(
    '/connections/{id}',
    'connections:read',
    'Get a connection: metadata, scopes, status and expiry (never tokens)',
    {
      ...byId('connection'),
      responses: { 200: ConnectionView },
    },
  ),
  connections.delete(
    '/connections/{id}',
    'connections:write',
    'Revoke the grant at the provider (RFC 7009, where supported), then delete the connection',
    {
      ...byId('connection'),
      responses: { 200: ConnectionDeleted },
    },
  ),
  connections.get(
    '/connections/{id}/revocation',
    'connections:read',
    'The background retry of a revocation that failed when the connection was deleted: pending, revoked or failed',
    {
      params,
      responses: { 200: RevocationView },
      errors: { 404: 'not_found: no revocation was left to retry for this connection id' },
    },
  ),
  connections.get(
    '/connections/{id}/access-token',
    'connections:token',
    'A fresh access token (refreshed first when it expires within the margin)',
    {
      params,
      responses: { 200: AccessTokenView },
      errors: tokenErrors,
    },
  ),
  oauth.get(
    '/oauth/authorize',
    'browser',
    'Browser: consume a connect session and redirect to the provider (state, PKCE S256, nonce)',
    {
      query: AuthorizeQuery,
      produces: 'text/html',
      responses: { 302: 'Redirect to the provider (sets the HttpOnly state cookie)' },
      errors: {
        400: 'Error page: invalid_session (unknown, expired or used session, or over 200 characters)',
        404: 'Error page: not_found (the session’s integration is gone)',
        502: 'Error page: upstream_error (the provider’s discovery document did not load, or its PAR endpoint refused or failed the pushed request; the link stays usable)',
      },
    },
  ),
  {
    method: 'GET',
    path: '/oauth/callback',
    fn: 'oauth',
    auth: 'browser',
    tag: 'oauth',
    summary:
      'Browser: the provider’s redirect back; checks cookie, state, iss, code and ID token, stores the connection',
    produces: 'text/html',
    responses: { 302: 'Redirect to the return URL', 200: 'Success page (no return URL was given)' },
    errors: {
      400: 'Error page: invalid_state (unknown, expired, used, or over 200 characters), missing_state_cookie, issuer_mismatch, invalid_id_token, invalid_grant (access denied)',
      403: 'Error page: ssrf_blocked (the token endpoint resolves to a refused address)',
      404: 'Error page: not_found (the integration was deleted during the sign-in)',
      502: 'Error page: token_exchange_failed or upstream_error',
    },
  },
];

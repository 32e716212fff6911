/**
 * The OAuth dance, by step: connect sessions and `/oauth/authorize` (sessions.ts), the callback
 * (callback.ts, store-connection.ts), revoke on delete (revoke.ts). The handlers import it here.
 */
export { type BrowserResult, bindingCookieName } from './browser-binding.js';
export { callback, providerDisplayName, redirectMetadataOf } from './callback.js';
export { deleteConnection, retryRevocations, revocationView } from './revoke.js';
export { authorize, createConnectSession, isAllowedReturnUrl } from './sessions.js';
export { connectionIdFor } from './store-connection.js';

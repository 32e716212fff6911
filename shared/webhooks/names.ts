/** Names shared by the receive path and the read API (kept apart so the read API loads no verifier). */
export { webhookSecretName } from '../secret-names.js';

export const DEFAULT_SOURCE = 'default';

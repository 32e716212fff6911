/** Names shared by the receive path and the read API (kept apart so the read API loads no verifier). */
export const DEFAULT_SOURCE = 'default';

export const webhookSecretName = (provider: string, sourceId?: string): string =>
  sourceId === undefined ? `hookbridge/webhooks/${provider}` : `hookbridge/webhooks/${provider}/${sourceId}`;

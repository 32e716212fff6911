/** Secrets for outgoing deliveries, signed as Standard Webhooks (the one implementation in webhooks/schemes). */
import { randomBytes } from 'node:crypto';
import { SECRET_PREFIX } from '../webhooks/schemes/standard-webhooks.js';

export { SECRET_PREFIX, signStandardWebhook } from '../webhooks/schemes/standard-webhooks.js';

export const generateDestinationSecret = (): string =>
  `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

export function isValidDestinationSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return key.length >= 24 && key.length <= 64;
}

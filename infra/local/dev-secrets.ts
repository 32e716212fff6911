import { randomBytes } from 'node:crypto';
import { newVaultSecret } from '../../shared/vault/vault.js';

/**
 * Dev secrets written to the local secrets file on first run (missing names only; existing
 * values are never overwritten). Each value is what Secrets Manager would hold under that name.
 */
export const DEV_SECRETS: Record<string, () => unknown> = {
  'hookbridge/admin': () => ({ apiKey: `hb_dev_${randomBytes(24).toString('base64url')}` }),
  'hookbridge/vault': () => newVaultSecret('dev1'),
};

import { verifyStandardWebhook } from '../../schemes/standard-webhooks.js';
import { defineScheme } from '../../types.js';

export const scheme = defineScheme('standard-webhooks', 'Standard Webhooks', verifyStandardWebhook, {
  aliases: ['svix'],
});

import { signStandardWebhook } from '../../schemes/standard-webhooks.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';

export const sample: SampleBody = (id, nowSec) =>
  JSON.stringify({
    type: 'invoice.paid',
    timestamp: new Date(nowSec * 1000).toISOString(),
    data: { id: `inv_${id}` },
  });

export const sign: Signer = ({ secret, body, id, nowSec }) => ({
  headers: { ...JSON_TYPE, ...signStandardWebhook(secret, `msg_${id}`, nowSec, body) },
  body,
});

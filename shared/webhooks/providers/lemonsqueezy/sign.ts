import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';

export const sample: SampleBody = (id, nowSec) => {
  const iso = new Date(nowSec * 1000).toISOString();
  return JSON.stringify({
    meta: { event_name: 'order_created' },
    data: { type: 'orders', id, attributes: { created_at: iso, updated_at: iso } },
  });
};

export const sign: Signer = ({ secret, body }) => ({
  headers: {
    ...JSON_TYPE,
    'x-signature': hmac('sha256', secret, body).toString('hex'),
    'x-event-name': 'order_created',
  },
  body,
});

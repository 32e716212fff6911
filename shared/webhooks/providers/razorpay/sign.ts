import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';

export const sample: SampleBody = (id, nowSec) =>
  JSON.stringify({
    entity: 'event',
    event: 'payment.captured',
    created_at: nowSec,
    payload: { payment: { entity: { id: `pay_${id}` } } },
  });

export const sign: Signer = ({ secret, body, id }) => ({
  headers: {
    ...JSON_TYPE,
    'x-razorpay-signature': hmac('sha256', secret, body).toString('hex'),
    'x-razorpay-event-id': id,
  },
  body,
});

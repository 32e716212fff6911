import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';

export const sample: SampleBody = (id) =>
  JSON.stringify({ id: 820982911946154, email: 'jon@example.com', total_price: '11.00', note: id });

export const sign: Signer = ({ secret, body, id, nowSec }) => ({
  headers: {
    ...JSON_TYPE,
    'x-shopify-hmac-sha256': hmac('sha256', secret, body).toString('base64'),
    'x-shopify-webhook-id': id,
    'x-shopify-topic': 'orders/create',
    'x-shopify-triggered-at': new Date(nowSec * 1000).toISOString(),
  },
  body,
});

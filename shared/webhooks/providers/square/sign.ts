import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';
import { squareSignedUrl } from './verify.js';

export const sample: SampleBody = (id, nowSec) =>
  JSON.stringify({
    merchant_id: 'MLX4C7',
    type: 'payment.updated',
    event_id: id,
    created_at: new Date(nowSec * 1000).toISOString(),
    data: { type: 'payment', id: `pay_${id}` },
  });

export const sign: Signer = ({ secret, config, url, body }) => {
  const mac = hmac('sha256', secret, squareSignedUrl(config, url), body).toString('base64');
  return { headers: { ...JSON_TYPE, 'x-square-hmacsha256-signature': mac }, body };
};

import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';
import { STRIPE_HEADER } from './verify.js';

export const sample: SampleBody = (id, nowSec) =>
  JSON.stringify({
    id: `evt_${id}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: nowSec,
    data: { object: { id: `pi_${id}`, amount: 2000, currency: 'usd' } },
  });

/** As stripe-node's generateTestHeaderString. */
export const sign: Signer = ({ secret, body, nowSec }) => {
  const { tsKey, sigKey, joiner } = STRIPE_HEADER;
  const mac = hmac('sha256', secret, `${nowSec}${joiner}`, body).toString('hex');
  return { headers: { ...JSON_TYPE, 'stripe-signature': `${tsKey}=${nowSec},${sigKey}=${mac}` }, body };
};

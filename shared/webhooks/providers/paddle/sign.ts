import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';
import { PADDLE_HEADER } from './verify.js';

export const sample: SampleBody = (id, nowSec) =>
  JSON.stringify({
    event_id: `evt_${id}`,
    event_type: 'transaction.completed',
    occurred_at: new Date(nowSec * 1000).toISOString(),
    data: { id: `txn_${id}` },
  });

export const sign: Signer = ({ secret, body, nowSec }) => {
  const { tsKey, sigKey, joiner } = PADDLE_HEADER;
  const mac = hmac('sha256', secret, `${nowSec}${joiner}`, body).toString('hex');
  return { headers: { ...JSON_TYPE, 'paddle-signature': `${tsKey}=${nowSec};${sigKey}=${mac}` }, body };
};

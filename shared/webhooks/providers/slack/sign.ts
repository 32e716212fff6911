import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';

export const sample: SampleBody = (id, nowSec) =>
  JSON.stringify({
    type: 'event_callback',
    team_id: 'T061EG9R6',
    event_id: `Ev${id}`,
    event_time: nowSec,
    event: { type: 'app_mention', text: 'hello' },
  });

export const sign: Signer = ({ secret, body, nowSec }) => ({
  headers: {
    ...JSON_TYPE,
    'x-slack-signature': `v0=${hmac('sha256', secret, `v0:${nowSec}:`, body).toString('hex')}`,
    'x-slack-request-timestamp': String(nowSec),
  },
  body,
});

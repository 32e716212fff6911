import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';

export const sample: SampleBody = () =>
  JSON.stringify({ action: 'opened', issue: { number: 1 }, sender: { login: 'octocat' } });

export const sign: Signer = ({ secret, body, id }) => ({
  headers: {
    ...JSON_TYPE,
    'x-hub-signature-256': `sha256=${hmac('sha256', secret, body).toString('hex')}`,
    'x-github-delivery': id,
    'x-github-event': 'issues',
  },
  body,
});

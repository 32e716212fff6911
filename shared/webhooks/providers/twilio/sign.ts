import { hmac } from '../../crypto.js';
import { FORM_TYPE, type SampleBody, type Signer } from '../../types.js';
import { formParams, twilioSignedTail } from './verify.js';

export const sample: SampleBody = (id) =>
  new URLSearchParams({
    AccountSid: 'AC5ef872f6da5a21de157d80997a64bd33',
    From: '+15005550006',
    MessageSid: `SM${id.replace(/-/g, '')}`,
    MessageStatus: 'delivered',
    To: '+15005550001',
  }).toString();

export const sign: Signer = ({ secret, url, body, id }) => {
  const sig = hmac('sha1', secret, url, twilioSignedTail(formParams(Buffer.from(body)))).toString('base64');
  return { headers: { ...FORM_TYPE, 'x-twilio-signature': sig, 'i-twilio-idempotency-token': id }, body };
};

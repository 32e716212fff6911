import { sign as rsaSign } from 'node:crypto';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';
import { paypalSignedMessage } from './verify.js';

export const sample: SampleBody = (id, nowSec) =>
  JSON.stringify({
    id: `WH-${id}`,
    event_type: 'PAYMENT.CAPTURE.COMPLETED',
    create_time: new Date(nowSec * 1000).toISOString(),
    resource: { id: `CAP-${id}`, amount: { value: '10.00', currency_code: 'USD' } },
  });

/**
 * Only PayPal holds the key of a certificate PayPal's receivers trust, so this signs only with a
 * stand-in: `signingKeyPem` and the `certUrl` serving its chain, from the secret's fields.
 */
export const sign: Signer = ({ secret, config, body, id, nowSec }) => {
  const { signingKeyPem, certUrl } = config;
  if (typeof signingKeyPem !== 'string' || typeof certUrl !== 'string')
    throw new Error('No signer for provider paypal without a stand-in signingKeyPem and certUrl');
  const txId = `tx-${id}`;
  const time = new Date(nowSec * 1000).toISOString();
  const message = paypalSignedMessage(txId, time, secret, Buffer.from(body));
  return {
    headers: {
      ...JSON_TYPE,
      'paypal-transmission-id': txId,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': rsaSign('sha256', message, signingKeyPem).toString('base64'),
      'paypal-cert-url': certUrl,
      'paypal-auth-algo': 'SHA256withRSA',
    },
    body,
  };
};

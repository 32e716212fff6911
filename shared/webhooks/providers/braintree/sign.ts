import { hmac } from '../../crypto.js';
import { FORM_TYPE, type SampleBody, type Signer } from '../../types.js';
import { braintreeKey } from './verify.js';

export const sample: SampleBody = (id, nowSec) => {
  const iso = new Date(nowSec * 1000).toISOString();
  const xml = `<notification>\n  <timestamp type="datetime">${iso}</timestamp>\n  <kind>subscription_charged_successfully</kind>\n  <subject><subscription><id>sub_${id}</id></subscription></subject>\n</notification>`;
  return new URLSearchParams({ bt_payload: `${Buffer.from(xml).toString('base64')}\n` }).toString();
};

export const sign: Signer = ({ secret, config, body }) => {
  const params = new URLSearchParams(body);
  const payload = params.get('bt_payload') ?? '';
  const mac = hmac('sha1', braintreeKey(secret), payload).toString('hex');
  params.set('bt_signature', `${String(config.publicKey ?? '')}|${mac}`);
  return { headers: { ...FORM_TYPE }, body: params.toString() };
};

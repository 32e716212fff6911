import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';
import { adyenSigningString } from './verify.js';

export const sample: SampleBody = (id, nowSec) =>
  JSON.stringify({
    live: 'false',
    notificationItems: [
      {
        NotificationRequestItem: {
          amount: { value: 1130, currency: 'EUR' },
          pspReference: id.replace(/-/g, '').slice(0, 16),
          eventCode: 'AUTHORISATION',
          eventDate: new Date(nowSec * 1000).toISOString(),
          merchantAccountCode: 'HookbridgeECOM',
          merchantReference: `order-${id}`,
          originalReference: '',
          success: 'true',
          additionalData: {},
        },
      },
    ],
  });

/** Adyen signs inside the body: every item gets its `additionalData.hmacSignature`. */
export const sign: Signer = ({ secret, body }) => {
  const doc = JSON.parse(body) as {
    notificationItems: { NotificationRequestItem: Record<string, unknown> }[];
  };
  for (const { NotificationRequestItem: item } of doc.notificationItems) {
    item.additionalData ??= {};
    const add = item.additionalData as Record<string, unknown>;
    add.hmacSignature = hmac('sha256', Buffer.from(secret, 'hex'), adyenSigningString(item)).toString(
      'base64',
    );
  }
  return { headers: { ...JSON_TYPE }, body: JSON.stringify(doc) };
};

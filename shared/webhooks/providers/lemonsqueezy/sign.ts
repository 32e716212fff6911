import { hmac } from '../../crypto.js';
import { JSON_TYPE, type SampleBody, type Signer } from '../../types.js';

export const sample: SampleBody = (id, nowSec) => {
  const iso = new Date(nowSec * 1000).toISOString();
  return JSON.stringify({
    meta: { event_name: 'order_created' },
    data: { type: 'orders', id, attributes: { created_at: iso, updated_at: iso } },
  });
};

/** Lemon Squeezy repeats `meta.event_name` in `X-Event-Name`. */
const eventName = (body: string): string => {
  try {
    return String(
      (JSON.parse(body) as { meta?: { event_name?: unknown } }).meta?.event_name ?? 'order_created',
    );
  } catch {
    return 'order_created';
  }
};

export const sign: Signer = ({ secret, body }) => ({
  headers: {
    ...JSON_TYPE,
    'x-signature': hmac('sha256', secret, body).toString('hex'),
    'x-event-name': eventName(body),
  },
  body,
});

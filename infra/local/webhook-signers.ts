/**
 * Dev tooling: sample events and signers for every provider, computed from each documented scheme
 * with node:crypto. Used by `npm run send-webhook`, the integration tests and the bench. (The unit
 * vectors are made by the providers' SDKs instead; see test/vectors/generate.ts.)
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { adyenSigningString } from '../../shared/webhooks/providers/adyen.js';

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export interface SignOptions {
  /** The full URL the request is posted to. */
  url: string;
  /** The source's secret value: {secrets: [...], ...provider fields}. */
  secret: { secrets: string[]; [field: string]: unknown };
  /** A body to sign instead of the sample (JSON text, or form text for Twilio/Braintree). */
  body?: string | undefined;
  /** Epoch seconds. */
  nowSec?: number | undefined;
  /** A unique id for the sample event. */
  id?: string | undefined;
}

const hmacHex = (key: string | Buffer, ...parts: string[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const hmacB64 = (key: string | Buffer, ...parts: string[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('base64');
};
const json = { 'content-type': 'application/json' };
const form = { 'content-type': 'application/x-www-form-urlencoded' };

export function sampleBody(provider: string, id: string, nowSec: number): string {
  const iso = new Date(nowSec * 1000).toISOString();
  switch (provider) {
    case 'stripe':
      return JSON.stringify({
        id: `evt_${id}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        created: nowSec,
        data: { object: { id: `pi_${id}`, amount: 2000, currency: 'usd' } },
      });
    case 'standard-webhooks':
    case 'svix':
      return JSON.stringify({ type: 'invoice.paid', timestamp: iso, data: { id: `inv_${id}` } });
    case 'github':
      return JSON.stringify({ action: 'opened', issue: { number: 1 }, sender: { login: 'octocat' } });
    case 'shopify':
      return JSON.stringify({
        id: 820982911946154,
        email: 'jon@example.com',
        total_price: '11.00',
        note: id,
      });
    case 'square':
      return JSON.stringify({
        merchant_id: 'MLX4C7',
        type: 'payment.updated',
        event_id: id,
        created_at: iso,
        data: { type: 'payment', id: `pay_${id}` },
      });
    case 'paddle':
      return JSON.stringify({
        event_id: `evt_${id}`,
        event_type: 'transaction.completed',
        occurred_at: iso,
        data: { id: `txn_${id}` },
      });
    case 'adyen':
      return JSON.stringify({
        live: 'false',
        notificationItems: [
          {
            NotificationRequestItem: {
              amount: { value: 1130, currency: 'EUR' },
              pspReference: id.replace(/-/g, '').slice(0, 16),
              eventCode: 'AUTHORISATION',
              eventDate: iso,
              merchantAccountCode: 'HookbridgeECOM',
              merchantReference: `order-${id}`,
              originalReference: '',
              success: 'true',
              additionalData: {},
            },
          },
        ],
      });
    case 'razorpay':
      return JSON.stringify({
        entity: 'event',
        event: 'payment.captured',
        created_at: nowSec,
        payload: { payment: { entity: { id: `pay_${id}` } } },
      });
    case 'lemonsqueezy':
      return JSON.stringify({
        meta: { event_name: 'order_created' },
        data: { type: 'orders', id, attributes: { created_at: iso, updated_at: iso } },
      });
    case 'slack':
      return JSON.stringify({
        type: 'event_callback',
        team_id: 'T061EG9R6',
        event_id: `Ev${id}`,
        event_time: nowSec,
        event: { type: 'app_mention', text: 'hello' },
      });
    case 'twilio':
      return new URLSearchParams({
        AccountSid: 'AC5ef872f6da5a21de157d80997a64bd33',
        From: '+15005550006',
        MessageSid: `SM${id.replace(/-/g, '')}`,
        MessageStatus: 'delivered',
        To: '+15005550001',
      }).toString();
    case 'braintree': {
      const xml = `<notification>\n  <timestamp type="datetime">${iso}</timestamp>\n  <kind>subscription_charged_successfully</kind>\n  <subject><subscription><id>sub_${id}</id></subscription></subject>\n</notification>`;
      return new URLSearchParams({ bt_payload: `${Buffer.from(xml).toString('base64')}\n` }).toString();
    }
    default:
      throw new Error(`No sample for provider ${provider}`);
  }
}

/** Signs a (sample or given) event for a provider with the first of the source's secrets. */
export function signWebhook(provider: string, opts: SignOptions): SignedRequest {
  const nowSec = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const id = opts.id ?? randomUUID();
  let body = opts.body ?? sampleBody(provider, id, nowSec);
  const secret = opts.secret.secrets[0]!;
  const ts = String(nowSec);
  switch (provider) {
    case 'stripe':
      return {
        headers: { ...json, 'stripe-signature': `t=${ts},v1=${hmacHex(secret, `${ts}.`, body)}` },
        body,
      };
    case 'standard-webhooks':
    case 'svix': {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      const msgId = `msg_${id}`;
      return {
        headers: {
          ...json,
          'webhook-id': msgId,
          'webhook-timestamp': ts,
          'webhook-signature': `v1,${hmacB64(key, `${msgId}.${ts}.`, body)}`,
        },
        body,
      };
    }
    case 'github':
      return {
        headers: {
          ...json,
          'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
          'x-github-delivery': id,
          'x-github-event': 'issues',
        },
        body,
      };
    case 'shopify':
      return {
        headers: {
          ...json,
          'x-shopify-hmac-sha256': hmacB64(secret, body),
          'x-shopify-webhook-id': id,
          'x-shopify-topic': 'orders/create',
          'x-shopify-triggered-at': new Date(nowSec * 1000).toISOString(),
        },
        body,
      };
    case 'square': {
      const url = typeof opts.secret.notificationUrl === 'string' ? opts.secret.notificationUrl : opts.url;
      return { headers: { ...json, 'x-square-hmacsha256-signature': hmacB64(secret, url, body) }, body };
    }
    case 'paddle':
      return {
        headers: { ...json, 'paddle-signature': `ts=${ts};h1=${hmacHex(secret, `${ts}:`, body)}` },
        body,
      };
    case 'adyen': {
      const doc = JSON.parse(body) as {
        notificationItems: { NotificationRequestItem: Record<string, unknown> }[];
      };
      for (const { NotificationRequestItem: item } of doc.notificationItems) {
        item.additionalData ??= {};
        const add = item.additionalData as Record<string, unknown>;
        add.hmacSignature = hmacB64(Buffer.from(secret, 'hex'), adyenSigningString(item));
      }
      body = JSON.stringify(doc);
      return { headers: json, body };
    }
    case 'razorpay':
      return {
        headers: { ...json, 'x-razorpay-signature': hmacHex(secret, body), 'x-razorpay-event-id': id },
        body,
      };
    case 'lemonsqueezy':
      return {
        headers: { ...json, 'x-signature': hmacHex(secret, body), 'x-event-name': 'order_created' },
        body,
      };
    case 'slack':
      return {
        headers: {
          ...json,
          'x-slack-signature': `v0=${hmacHex(secret, `v0:${ts}:`, body)}`,
          'x-slack-request-timestamp': ts,
        },
        body,
      };
    case 'twilio': {
      const params = new URLSearchParams(body);
      let data = opts.url;
      for (const k of [...new Set(params.keys())].sort())
        for (const v of [...new Set(params.getAll(k))].sort()) data += k + v;
      const sig = createHmac('sha1', secret).update(data).digest('base64');
      return { headers: { ...form, 'x-twilio-signature': sig, 'i-twilio-idempotency-token': id }, body };
    }
    case 'braintree': {
      const params = new URLSearchParams(body);
      const payload = params.get('bt_payload') ?? '';
      const key = createHash('sha1').update(secret).digest();
      const publicKey = String(opts.secret.publicKey ?? '');
      params.set('bt_signature', `${publicKey}|${createHmac('sha1', key).update(payload).digest('hex')}`);
      return { headers: form, body: params.toString() };
    }
    default:
      throw new Error(`No signer for provider ${provider}`);
  }
}

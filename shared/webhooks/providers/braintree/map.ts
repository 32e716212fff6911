/**
 * Braintree. The body is the form `bt_signature=…&bt_payload=<base64 XML>`; the mapper decodes the
 * XML with a small parser (Braintree's XML is simple: elements, text, `type` attributes).
 * Order: the notification `timestamp`, then rank, then the subject id + kind.
 */

import { byEventTime, type Draft, finish, type Mapper, type MapperInput } from '../../../payments/mapping.js';
import type { MappedEvent, PaymentType } from '../../../payments/model.js';
import { decimalMoney, isoFrom } from '../../../payments/util.js';

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e] ?? '');

export function parseXml(xml: string): XmlNode | undefined {
  const root: XmlNode = { name: '#root', children: [], text: '' };
  const stack: XmlNode[] = [root];
  const re = /<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>|<\?[^>]*\?>|<!--[\s\S]*?-->|([^<]+)/g;
  for (const m of xml.matchAll(re)) {
    const top = stack[stack.length - 1]!;
    if (m[4] !== undefined) {
      top.text += decode(m[4]);
    } else if (m[2]) {
      if (m[1]) {
        if (stack.length > 1) stack.pop();
      } else {
        const node: XmlNode = { name: m[2], children: [], text: '' };
        top.children.push(node);
        if (!m[3]) stack.push(node);
      }
    }
  }
  return root.children[0];
}

const child = (n: XmlNode | undefined, name: string) => n?.children.find((c) => c.name === name);
const text = (n: XmlNode | undefined, name: string): string | undefined => {
  const t = child(n, name)?.text.trim();
  return t ? t : undefined;
};

const KINDS: Record<string, [PaymentType, Draft['object']['type']]> = {
  transaction_settled: ['payment.succeeded', 'payment'],
  transaction_settlement_declined: ['payment.failed', 'payment'],
  subscription_went_active: ['subscription.created', 'subscription'],
  subscription_went_past_due: ['subscription.updated', 'subscription'],
  subscription_trial_ended: ['subscription.updated', 'subscription'],
  subscription_expired: ['subscription.canceled', 'subscription'],
  subscription_canceled: ['subscription.canceled', 'subscription'],
  subscription_charged_successfully: ['invoice.paid', 'invoice'],
  subscription_charged_unsuccessfully: ['invoice.payment_failed', 'invoice'],
  dispute_opened: ['dispute.opened', 'dispute'],
  dispute_won: ['dispute.closed', 'dispute'],
  dispute_lost: ['dispute.closed', 'dispute'],
  dispute_accepted: ['dispute.closed', 'dispute'],
};

/** Subscriptions and their charges (Braintree's invoice-equivalent). */
function subscriptionEvents(
  input: MapperInput,
  objectType: Draft['object']['type'],
  subject: XmlNode | undefined,
  kind: string,
  common: Pick<Draft, 'type' | 'occurredAt' | 'order'>,
): MappedEvent[] {
  const s = child(subject, 'subscription');
  const txn = child(child(s, 'transactions'), 'transaction');
  const subId = text(s, 'id');
  if (objectType === 'invoice') {
    // Braintree has no invoice object: the charge's transaction is the invoice-equivalent.
    return finish(input, {
      ...common,
      providerEventId: `${subId}#${text(txn, 'id')}#${kind}`,
      object: {
        type: 'invoice',
        id: text(txn, 'id') ?? (subId ? `${subId}:${common.occurredAt}` : undefined),
      },
      fields: {
        status: text(txn, 'status'),
        customerId: text(child(txn, 'customer'), 'id'),
        amount: decimalMoney(text(txn, 'amount'), text(txn, 'currency-iso-code')),
        ids: { subscriptionId: subId, transactionId: text(txn, 'id') },
      },
    });
  }
  return finish(input, {
    ...common,
    providerEventId: `${subId}#${kind}`,
    object: { type: 'subscription', id: subId },
    fields: {
      status: text(s, 'status'),
      planId: text(s, 'plan-id'),
      currentPeriodEnd: isoFrom(text(s, 'billing-period-end-date')),
      amount: decimalMoney(text(s, 'price'), text(s, 'currency-iso-code')),
      ids: {
        subscriptionId: subId,
        planId: text(s, 'plan-id'),
        merchantAccountId: text(s, 'merchant-account-id'),
      },
    },
  });
}

export const map: Mapper = (input) => {
  const bodyText = typeof input.body === 'string' ? input.body : '';
  const payload = new URLSearchParams(bodyText).get('bt_payload');
  if (!payload) return [];
  const root = parseXml(Buffer.from(payload, 'base64').toString('utf8'));
  const kind = text(root, 'kind') ?? '';
  const hit = KINDS[kind];
  if (!hit || !root) return [];
  const [type, objectType] = hit;
  const subject = child(root, 'subject');
  const common = { type, ...byEventTime(isoFrom(text(root, 'timestamp'))) };
  if (objectType === 'payment') {
    const t = child(subject, 'transaction');
    return finish(input, {
      ...common,
      providerEventId: `${text(t, 'id')}#${kind}`,
      object: { type: 'payment', id: text(t, 'id') },
      fields: {
        status: text(t, 'status'),
        customerId: text(child(t, 'customer'), 'id'),
        amount: decimalMoney(text(t, 'amount'), text(t, 'currency-iso-code')),
        failureReason: type === 'payment.failed' ? text(t, 'processor-settlement-response-text') : undefined,
        ids: { transactionId: text(t, 'id'), merchantAccountId: text(t, 'merchant-account-id') },
      },
    });
  }
  if (objectType === 'dispute') {
    const d = child(subject, 'dispute');
    const outcome =
      kind === 'dispute_won'
        ? 'won'
        : kind === 'dispute_lost'
          ? 'lost'
          : kind === 'dispute_accepted'
            ? 'accepted'
            : undefined;
    return finish(input, {
      ...common,
      providerEventId: `${text(d, 'id')}#${kind}`,
      object: { type: 'dispute', id: text(d, 'id') },
      fields: {
        status: text(d, 'status'),
        amount: decimalMoney(text(d, 'amount-disputed') ?? text(d, 'amount'), text(d, 'currency-iso-code')),
        reason: text(d, 'reason'),
        outcome,
        ids: { disputeId: text(d, 'id'), transactionId: text(child(d, 'transaction'), 'id') },
      },
    });
  }
  return subscriptionEvents(input, objectType, subject, kind, common);
};

/**
 * Braintree. The body is the form `bt_signature=…&bt_payload=<base64 XML>`; the mapper decodes the
 * XML with a small parser (Braintree's XML is simple: elements, text, `type` attributes).
 * Order: the notification `timestamp` (whole seconds), then the lifecycle rank: a same-second
 * past_due -> active resolves to active. docs/payments.md lists what is mapped and why.
 */

import { byEventTime, type Draft, finish, type Mapper, type MapperInput } from '../../../payments/mapping.js';
import type { MappedEvent, PaymentType } from '../../../payments/model.js';
import { refundEvents } from '../../../payments/refunds.js';
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
  // Fires on the first activation and when a Past Due subscription is brought up to date.
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
  dispute_auto_accepted: ['dispute.closed', 'dispute'],
};

const OUTCOMES: Record<string, 'won' | 'lost' | 'accepted'> = {
  dispute_won: 'won',
  dispute_lost: 'lost',
  dispute_accepted: 'accepted',
  dispute_auto_accepted: 'accepted',
};

/** `status-history` statuses (any order): a Past Due in the history makes a went_active a reactivation. */
const history = (s: XmlNode | undefined) =>
  (child(s, 'status-history')?.children ?? []).map((e) => text(e, 'status'));

/**
 * A settled (or declined) transaction. A `credit` is a refund of the sale it names
 * (`refunded-transaction-id`): the refund as its own object, and once settled the sale's refund.
 * Braintree does not restate the sale's amount on the credit, so the sale's refund has no status
 * (in part or in whole: the model's rule). A declined credit never applied: `refund.failed` only.
 */
function transactionEvent(
  input: MapperInput,
  t: XmlNode | undefined,
  common: Pick<Draft, 'type' | 'occurredAt' | 'order'>,
): MappedEvent[] {
  const fields = {
    status: text(t, 'status'),
    customerId: text(child(t, 'customer'), 'id'),
    amount: decimalMoney(text(t, 'amount'), text(t, 'currency-iso-code')),
    failureReason:
      common.type === 'payment.failed' ? text(t, 'processor-settlement-response-text') : undefined,
  };
  const merchantAccountId = text(t, 'merchant-account-id');
  const saleId = text(t, 'type') === 'credit' ? text(t, 'refunded-transaction-id') : undefined;
  if (saleId)
    return refundEvents(input, common, {
      ...fields,
      state: common.type === 'payment.failed' ? 'failed' : 'succeeded',
      refundId: text(t, 'id'),
      paymentId: saleId,
      ids: { transactionId: saleId, merchantAccountId },
    });
  return finish(input, {
    ...common,
    object: { type: 'payment', id: text(t, 'id') },
    fields: { ...fields, ids: { transactionId: text(t, 'id'), merchantAccountId } },
  });
}

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
  const back = kind === 'subscription_went_active' && history(s).includes('Past Due');
  return finish(input, {
    ...common,
    type: back ? 'subscription.reactivated' : common.type,
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
  if (objectType === 'payment') return transactionEvent(input, child(subject, 'transaction'), common);
  if (objectType === 'dispute') {
    const d = child(subject, 'dispute');
    const transactionId = text(child(d, 'transaction'), 'id');
    return finish(input, {
      ...common,
      object: { type: 'dispute', id: text(d, 'id') },
      fields: {
        status: text(d, 'status'),
        amount: decimalMoney(text(d, 'amount-disputed') ?? text(d, 'amount'), text(d, 'currency-iso-code')),
        reason: text(d, 'reason'),
        paymentId: transactionId,
        outcome: OUTCOMES[kind],
        ids: { disputeId: text(d, 'id'), transactionId },
      },
    });
  }
  return subscriptionEvents(input, objectType, subject, kind, common);
};

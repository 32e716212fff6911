/** A provider refund as the model's two views of it: the refund object and the payment's side. */
import { type Draft, finish, type MapperInput } from './mapping.js';
import type { MappedEvent, Money } from './model.js';

export interface RefundDraft {
  state: 'pending' | 'succeeded' | 'failed';
  refundId: string | undefined;
  /** The read-model id of the payment it refunds. */
  paymentId: string | undefined;
  /** The refund's own amount. */
  amount: Money | undefined;
  /** The refund's status word as sent. */
  status?: string | undefined;
  failureReason?: string | undefined;
  customerId?: string | undefined;
  ids: Record<string, unknown>;
}

/**
 * `refund.<state>` on the refund's own id (its amount, `paymentId`) and, once it succeeded,
 * `payment.refunded` on the payment (`refundId`, the refund's `amount`, plus `payment`: the refund
 * status and `refundedAmount` where the provider says). A refund that never applied changes the
 * payment not at all. Both take the event's basis `at`.
 */
export function refundEvents(
  input: MapperInput,
  at: Pick<Draft, 'occurredAt' | 'order'>,
  r: RefundDraft,
  payment: Record<string, unknown> = {},
): MappedEvent[] {
  const common = { amount: r.amount, customerId: r.customerId, ids: { ...r.ids, refundId: r.refundId } };
  const refund = finish(input, {
    ...at,
    type: `refund.${r.state}`,
    object: { type: 'refund', id: r.refundId },
    fields: { ...common, status: r.status, failureReason: r.failureReason, paymentId: r.paymentId },
  });
  if (r.state !== 'succeeded') return refund;
  const paid = finish(input, {
    ...at,
    type: 'payment.refunded',
    object: { type: 'payment', id: r.paymentId },
    fields: { ...common, refundId: r.refundId, ...payment },
  });
  return [...refund, ...paid];
}

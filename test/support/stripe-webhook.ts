/** A webhook as Stripe sends it: the payload signed by Stripe's own SDK, POSTed to the service. */
import Stripe from 'stripe';

const stripe = new Stripe('sk_test_dummy');

/** POSTs `payload` to `${baseUrl}/webhooks/stripe`, signed with `secret` (at `timestampSec`, default now). */
export function postStripeWebhook(
  baseUrl: string,
  payload: string,
  secret: string,
  timestampSec?: number,
): Promise<Response> {
  const signature = stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestampSec === undefined ? {} : { timestamp: timestampSec }),
  });
  return fetch(`${baseUrl}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
}

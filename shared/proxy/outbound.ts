// Moved to shared/outbound/; the PayPal provider still imports from here until it imports shared/outbound.
export { type OutboundCall, type OutboundResult, sendWithPolicy } from '../outbound/policy.js';

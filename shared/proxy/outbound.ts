// Moved to shared/outbound/; the PayPal verifier still imports from here until its provider folder does not.
export { type OutboundCall, type OutboundResult, sendWithPolicy } from '../outbound/policy.js';

// Moved to shared/outbound/; the PayPal verifier still imports from here until its provider folder does not.
export { nodeTransport } from '../outbound/transport.js';

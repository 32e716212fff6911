// Moved to shared/outbound/; the PayPal provider still imports from here until it imports shared/outbound.
export { nodeTransport, type Transport } from '../outbound/transport.js';

// Moved to shared/outbound/; the PayPal provider still imports from here until it imports shared/outbound.
export { type Resolver, systemResolver } from '../outbound/ssrf.js';

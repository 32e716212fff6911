/** Ports: what the core needs from the outside world. Adapters implement them; the core sees only these. */

export * from './flow.js';
export * from './messaging.js';
export * from './runtime.js';
export * from './stores.js';

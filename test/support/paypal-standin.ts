/** The PayPal stand-ins the tests use: made by infra/local/paypal-standin.ts, shared with the local runtime. */
export { makeStandInChain, paypalHeaders, type StandInChain } from '../../infra/local/paypal-standin.js';

// braintree ships no types; the generator only uses the gateway's webhook-testing helpers.
declare module 'braintree' {
  const braintree: {
    BraintreeGateway: new (config: Record<string, unknown>) => {
      webhookTesting: { sampleNotification(kind: string, id: string): unknown };
    };
    Environment: { Sandbox: unknown };
  };
  export default braintree;
}

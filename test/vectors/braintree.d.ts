// braintree ships no types; the tests only use the gateway's webhook-testing helpers and its parser.
declare module 'braintree' {
  const braintree: {
    BraintreeGateway: new (config: Record<string, unknown>) => {
      webhookTesting: {
        sampleNotification(kind: string, id: string): unknown;
        sampleSignature(payload: string): string;
      };
      webhookNotification: { parse(signature: string, payload: string): Promise<Record<string, unknown>> };
    };
    Environment: { Sandbox: unknown };
  };
  export default braintree;
}

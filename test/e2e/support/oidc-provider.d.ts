declare module 'oidc-provider' {
  // oidc-provider ships no types; the tests use a small, stable surface of it.
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: unknown, res: unknown) => void;
    on(event: string, listener: (ctx: never, err: never) => void): this;
    issuer: string;
  }
}

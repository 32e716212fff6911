/**
 * Machine-to-machine tokens (RFC 6749 §4.4). Credentials come from Secrets Manager; the token is
 * cached in the function until shortly before it expires, and concurrent callers share one fetch.
 */
import { createHash } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import { applyClientAuth, type ClientAuthMethod, type ClientCredentials } from '../oauth/client-auth.js';
import type { OutboundCall, OutboundResult } from '../outbound/policy.js';
import { declaredHostOf } from '../outbound/url.js';

export interface ClientCredentialsSettings {
  tokenUrl: string;
  scopes: readonly string[];
  audience?: string | undefined;
  clientAuth: ClientAuthMethod;
}

interface CachedToken {
  accessToken: string;
  tokenType: string;
  /** Epoch ms after which the token is no longer used. */
  useUntil: number;
  fingerprint: string;
}

/** When a provider does not say how long the token lives. */
const DEFAULT_LIFETIME_MS = 300_000;

/** Refresh this long before expiry: a minute, or a tenth of short lifetimes. */
export const refreshMarginMs = (lifetimeMs: number): number => Math.min(60_000, lifetimeMs / 10);

export class ClientCredentialsTokens {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly send: (call: OutboundCall) => Promise<OutboundResult>,
    private readonly now: () => number,
  ) {}

  async token(
    integrationId: string,
    settings: ClientCredentialsSettings,
    creds: ClientCredentials,
    opts: { forceRefresh: boolean },
  ): Promise<CachedToken> {
    // The cache key includes the settings and credentials, so a rotation or a scope change takes effect at once.
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          settings.tokenUrl,
          settings.scopes,
          settings.audience,
          creds.clientId,
          creds.clientSecret,
        ]),
      )
      .digest('base64url');
    const hit = this.cache.get(integrationId);
    if (!opts.forceRefresh && hit && hit.fingerprint === fingerprint && this.now() < hit.useUntil) return hit;
    const running = this.inflight.get(integrationId);
    if (running && !opts.forceRefresh) return running;
    const p = this.fetchToken(integrationId, settings, creds, fingerprint).finally(() =>
      this.inflight.delete(integrationId),
    );
    this.inflight.set(integrationId, p);
    return p;
  }

  invalidate(integrationId: string): void {
    this.cache.delete(integrationId);
  }

  private async fetchToken(
    integrationId: string,
    settings: ClientCredentialsSettings,
    creds: ClientCredentials,
    fingerprint: string,
  ): Promise<CachedToken> {
    const url = new URL(settings.tokenUrl);
    const fields: Record<string, string> = { grant_type: 'client_credentials' };
    if (settings.scopes.length) fields.scope = settings.scopes.join(' ');
    if (settings.audience) fields.audience = settings.audience;
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    applyClientAuth(settings.clientAuth, creds, fields, headers);
    const started = this.now();
    const res = await this.send({
      method: 'POST',
      url,
      allowedHosts: [declaredHostOf(url)],
      headers,
      body: Buffer.from(new URLSearchParams(fields).toString()),
      retryable: true,
      log: { provider: 'client-credentials', integrationId, pathTemplate: `token ${url.pathname}` },
    });
    let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown; error?: unknown };
    try {
      body = JSON.parse(res.body.toString('utf8')) as typeof body;
    } catch {
      body = {};
    }
    if (res.status !== 200 || typeof body.access_token !== 'string' || !body.access_token) {
      const error = typeof body.error === 'string' ? body.error.slice(0, 100) : `HTTP ${res.status}`;
      throw new HookbridgeError(
        'token_exchange_failed',
        `The token endpoint refused the client credentials (${error})`,
        {
          extensions: { integrationId },
        },
      );
    }
    const expiresIn = Number(body.expires_in);
    const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_LIFETIME_MS;
    const token: CachedToken = {
      accessToken: body.access_token,
      tokenType: typeof body.token_type === 'string' ? body.token_type : 'Bearer',
      useUntil: started + lifetime - refreshMarginMs(lifetime),
      fingerprint,
    };
    this.cache.set(integrationId, token);
    return token;
  }
}

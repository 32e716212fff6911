/**
 * `hookbridge trigger <provider> <event> [--source id]`: renders a fixture, signs it with the
 * source's secret (as the provider would) and posts it to /webhooks/<provider>[/<source>];
 * `--list [provider]` lists the fixtures; `--scenario` replays sequences that cause real trouble.
 */
import { eventIdFor } from '../../shared/events/record.js';
import { providerFor } from '../../shared/webhooks/catalog.js';
import { DEFAULT_SOURCE } from '../../shared/webhooks/names.js';
import { CliError } from '../cli.js';
import {
  localSigningSecret,
  postSigned,
  type SignedRequest,
  type SignOptions,
  signOrExplain,
  webhookPath,
} from '../local/webhook-signers.js';
import { EXIT } from './exit.js';
import { type Fixture, findFixture, newToken, renderFixture } from './fixtures.js';
import type { Target } from './target.js';

export interface Sent {
  provider: string;
  event: string;
  path: string;
  status: number;
  /** `stored` or `duplicate` when the service said so. */
  outcome: string | undefined;
  /** The stored event's Hookbridge id (GET /events/{id}). */
  id: string | undefined;
  /** The answer's text when it was not a success. */
  answer?: string;
}

export interface TriggerContext {
  target: Target;
  source?: string | undefined;
  /** Shared object ids for every event of one command (new when absent). */
  run?: string;
}

/** The secret to sign with: from the target's secrets file (the local runtime's, or --secrets-file). */
async function signingSecret(ctx: TriggerContext, provider: string): Promise<SignOptions['secret']> {
  if (!ctx.target.secretsFile)
    throw new CliError(
      `no secrets file to sign with for ${ctx.target.url}: trigger signs with the source's own secret; pass --secrets-file with a file holding "hookbridge/webhooks/${provider}${ctx.source ? `/${ctx.source}` : ''}": {"secrets": ["…"]}`,
      EXIT.usage,
    );
  return localSigningSecret({
    provider,
    source: ctx.source,
    secretsFile: ctx.target.secretsFile,
    base: ctx.target.url,
  });
}

/** The stored id the service names in its answer, else the one its verifier derives (Adyen answers `[accepted]`). */
async function storedId(
  provider: string,
  source: string | undefined,
  signed: SignedRequest,
  secret: SignOptions['secret'],
  url: string,
): Promise<string | undefined> {
  const scheme = providerFor(provider);
  const r = await scheme?.verify({
    rawBody: Buffer.from(signed.body),
    headers: signed.headers,
    url,
    secrets: secret.secrets,
    config: secret,
    now: Date.now(),
    toleranceSec: scheme.defaultToleranceSec,
  });
  return r?.ok ? eventIdFor(provider, source ?? DEFAULT_SOURCE, r.eventId) : undefined;
}

export interface Prepared {
  fixture: Fixture;
  url: string;
  path: string;
  signed: SignedRequest;
  secret: SignOptions['secret'];
}

/** Renders and signs one fixture, `offsetSec` after now (scenarios spread their events in time). */
export async function prepare(ctx: TriggerContext, fixture: Fixture, offsetSec = 0): Promise<Prepared> {
  const secret = await signingSecret(ctx, fixture.provider);
  const path = webhookPath(fixture.provider, ctx.source);
  const url = `${ctx.target.url}${path}`;
  const nowSec = Math.floor(Date.now() / 1000);
  const body = renderFixture(fixture, { run: ctx.run ?? newToken(), nowSec: nowSec + offsetSec });
  return {
    fixture,
    url,
    path,
    secret,
    signed: signOrExplain(fixture.provider, { url, secret, body, nowSec }),
  };
}

export async function send(ctx: TriggerContext, p: Prepared): Promise<Sent> {
  const res = await postSigned(p.url, p.signed);
  const text = await res.text();
  let answer: { status?: unknown; id?: unknown } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {}
  const id =
    typeof answer.id === 'string'
      ? answer.id
      : res.ok
        ? await storedId(p.fixture.provider, ctx.source, p.signed, p.secret, p.url)
        : undefined;
  return {
    provider: p.fixture.provider,
    event: p.fixture.event,
    path: p.path,
    status: res.status,
    outcome: typeof answer.status === 'string' ? answer.status : res.ok ? 'stored' : undefined,
    id,
    ...(res.ok ? {} : { answer: text.replace(/\s+/g, ' ').slice(0, 300) }),
  };
}

/** Triggers one fixture: `trigger stripe charge.refunded`. */
export async function trigger(ctx: TriggerContext, fixture: Fixture): Promise<Sent> {
  return send(ctx, await prepare(ctx, fixture));
}

interface Scenario {
  summary: string;
  provider: string;
  run(ctx: TriggerContext, count: number): Promise<Sent[]>;
}

/** Sends the steps one after another, in the order given, each with its event time offset. */
const inOrder =
  (provider: string, steps: [event: string, offsetSec: number][]) =>
  async (given: TriggerContext): Promise<Sent[]> => {
    const ctx = { ...given, run: given.run ?? newToken() };
    const out: Sent[] = [];
    for (const [event, offset] of steps)
      out.push(await send(ctx, await prepare(ctx, findFixture(provider, event), offset)));
    return out;
  };

export const SCENARIOS: Record<string, Scenario> = {
  'out-of-order-subscription': {
    summary:
      'one Stripe subscription as retries deliver it: updated (made 60 s after created) before created, then deleted (made last), then a late updated (made before deleted); the read model must end canceled',
    provider: 'stripe',
    run: inOrder('stripe', [
      ['customer.subscription.updated', -60],
      ['customer.subscription.created', -120],
      ['customer.subscription.deleted', 0],
      ['customer.subscription.updated', -30],
    ]),
  },
  'duplicate-burst': {
    summary:
      'the same Stripe payment_intent.succeeded (same id and body) --count times at once, as a provider retrying a slow answer does; one is stored, the rest are duplicates',
    provider: 'stripe',
    run: async (ctx, count) => {
      const p = await prepare(ctx, findFixture('stripe', 'payment_intent.succeeded'));
      return Promise.all(Array.from({ length: count }, () => send(ctx, p)));
    },
  },
};

export function scenario(name: string): Scenario {
  const s = SCENARIOS[name];
  if (!s)
    throw new CliError(
      `unknown scenario "${name}": pass one of ${Object.keys(SCENARIOS).join(', ')}`,
      EXIT.usage,
    );
  return s;
}

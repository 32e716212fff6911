import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readStackContext } from '../../infra/stacks/context.js';

// No bundling here: the context is read and checked before any function is built.
const read = (context: Record<string, unknown>) =>
  readStackContext(new Stack(new App({ context }), 'Ctx'), {
    knownProviders: ['stripe', 'github', 'standard-webhooks'],
    functionNames: ['webhooks-receive', 'meta'],
  });

describe('stack context', () => {
  it('has defaults for everything', () => {
    const ctx = read({});
    expect(ctx.webhookProviders).toEqual(['stripe']);
    expect(ctx.oauthIntegrations).toEqual([]);
    expect(ctx.publicUrl).toBeUndefined();
    expect(ctx.eventRetentionDays).toBe(30);
    expect(ctx.tracing).toBe(false);
    expect(ctx.sourceMaps).toBe(false);
    expect([...ctx.reservedConcurrency]).toEqual([
      ['webhooks-receive', undefined],
      ['meta', undefined],
    ]);
    expect(ctx.throttle).toEqual({ rate: 1000, burst: 2000 });
    expect(ctx.deliveryConcurrency).toBe(10);
    expect(ctx.webhooksFunctionUrl).toBe(false);
    expect(ctx.eventBus).toBe(true);
    expect(ctx.alarmEmail).toBeUndefined();
    expect(ctx.alarmTopicArn).toBeUndefined();
  });

  it('reads CLI strings: lists, numbers, a trailing slash, tracing', () => {
    const ctx = read({
      webhookProviders: ' github , standard-webhooks,',
      oauthIntegrations: 'google,slack',
      publicUrl: 'https://hooks.example.com/',
      eventRetentionDays: '90',
      tracing: 'true',
      sourceMaps: 'true',
      'reservedConcurrency:meta': '5',
      throttleRate: '200',
      alarmEmail: 'ops@example.com',
    });
    expect(ctx.webhookProviders).toEqual(['github', 'standard-webhooks']);
    expect(ctx.oauthIntegrations).toEqual(['google', 'slack']);
    expect(ctx.publicUrl).toBe('https://hooks.example.com');
    expect(ctx.eventRetentionDays).toBe(90);
    expect(ctx.tracing).toBe(true);
    expect(ctx.sourceMaps).toBe(true);
    expect(ctx.reservedConcurrency.get('meta')).toBe(5);
    // The burst follows a lowered rate unless it is set too.
    expect(ctx.throttle).toEqual({ rate: 200, burst: 400 });
    expect(ctx.alarmEmail).toBe('ops@example.com');
    expect(read({ throttleRate: '200', throttleBurst: '300' }).throttle).toEqual({ rate: 200, burst: 300 });
    expect(read({ webhookProviders: '' }).webhookProviders).toEqual([]);
    expect(
      [read({ eventBus: 'false' }), read({ eventBus: 'true' }), read({ eventBus: false })].map(
        (c) => c.eventBus,
      ),
    ).toEqual([false, true, false]);
  });

  it('refuses bad values with a message naming the setting', () => {
    for (const [context, message] of [
      [
        { webhookProviders: 'stripe,nope' },
        /unknown provider "nope" \(known: stripe, github, standard-webhooks\)/,
      ],
      [{ publicUrl: 'not a url' }, /-c publicUrl must be a URL/],
      [{ publicUrl: 'https://hooks.example.com/?a=1' }, /without query or fragment/],
      [{ eventRetentionDays: '3651' }, /eventRetentionDays must be 7-3650/],
      [{ deliveryConcurrency: '1' }, /-c deliveryConcurrency must be 2-1000/],
      [{ deliveryConcurrency: '1001' }, /-c deliveryConcurrency must be 2-1000/],
      [{ eventRetentionDays: 'ten' }, /-c eventRetentionDays must be a whole number, not "ten"/],
      [{ 'reservedConcurrency:meta': '-1' }, /-c reservedConcurrency:meta must be a whole number/],
      [{ throttleBurst: '1.5' }, /-c throttleBurst must be a whole number/],
      [{ eventBus: 'off' }, /^-c eventBus must be true or false, not "off"$/],
      [{ eventBus: '' }, /^-c eventBus must be true or false, not ""$/],
      // A typo no longer turns a feature silently off.
      [{ tracing: 'yes' }, /^-c tracing must be true or false, not "yes"$/],
      [{ sourceMaps: '1' }, /^-c sourceMaps must be true or false, not "1"$/],
      [{ webhooksFunctionUrl: 'on' }, /^-c webhooksFunctionUrl must be true or false, not "on"$/],
    ] as const) {
      expect(() => read(context), JSON.stringify(context)).toThrow(message);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { storeCall } from '../../shared/adapters/dynamodb/client.js';
import { loadConfig } from '../../shared/config/index.js';
import { ERROR_STATUS, HookbridgeError, toProblem } from '../../shared/errors.js';
import { problemResponse } from '../../shared/http/lambda.js';
import { createLogger } from '../../shared/log.js';

describe('error mapper', () => {
  it('maps a HookbridgeError to RFC 9457 problem+json with its stable code', () => {
    const { problem, headers } = toProblem(
      new HookbridgeError('method_not_allowed', 'POST is not allowed', { headers: { allow: 'GET' } }),
      '/health',
    );
    expect(problem).toEqual({
      type: 'https://hookbridge.dev/problems/method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      code: 'method_not_allowed',
      detail: 'POST is not allowed',
      instance: '/health',
    });
    expect(headers).toEqual({ allow: 'GET' });
  });

  it('never leaks the message or stack of an unexpected error', () => {
    const res = problemResponse(new TypeError('secret at /var/task/index.js:12 whsec_abc'));
    expect(res.status).toBe(500);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    const body = JSON.parse(res.body as string);
    expect(body).toEqual({
      type: 'https://hookbridge.dev/problems/internal',
      title: 'Internal error',
      status: 500,
      code: 'internal',
    });
    expect(res.body).not.toMatch(/whsec|index\.js|TypeError/);
  });

  it('gives every code a 4xx or 5xx status', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(status >= 400 && status < 600, code).toBe(true);
    }
  });
});

describe('config', () => {
  it('applies defaults', () => {
    const c = loadConfig({ HOOKBRIDGE_TABLE: 'hookbridge-dev' });
    expect(c.HOOKBRIDGE_SECRETS_BACKEND).toBe('secrets-manager');
    expect(c.HOOKBRIDGE_EVENT_RETENTION_DAYS).toBe(30);
  });

  it('keeps events at least a week, longer than providers retry', () => {
    expect(() => loadConfig({ HOOKBRIDGE_TABLE: 'tbl', HOOKBRIDGE_EVENT_RETENTION_DAYS: '6' })).toThrowError(
      /HOOKBRIDGE_EVENT_RETENTION_DAYS/,
    );
    expect(
      loadConfig({ HOOKBRIDGE_TABLE: 'tbl', HOOKBRIDGE_EVENT_RETENTION_DAYS: '7' })
        .HOOKBRIDGE_EVENT_RETENTION_DAYS,
    ).toBe(7);
  });

  it('turns the event bus on or off (HOOKBRIDGE_EVENT_BUS), on by default; anything else is refused', () => {
    const bus = (v?: string) =>
      loadConfig({ HOOKBRIDGE_TABLE: 'tbl', HOOKBRIDGE_EVENT_BUS: v }).HOOKBRIDGE_EVENT_BUS;
    expect([bus(), bus(''), bus('on'), bus('off')]).toEqual(['on', 'on', 'on', 'off']);
    for (const bad of ['false', 'OFF', '0'])
      expect(() => bus(bad), bad).toThrowError(
        'Invalid configuration: HOOKBRIDGE_EVENT_BUS: must be on or off',
      );
  });

  it('names a missing variable', () => {
    expect(() => loadConfig({})).toThrowError(/HOOKBRIDGE_TABLE: is required/);
  });

  it('names each invalid variable', () => {
    try {
      loadConfig({
        HOOKBRIDGE_TABLE: 't!',
        HOOKBRIDGE_SECRETS_BACKEND: 'vault',
        HOOKBRIDGE_EVENT_RETENTION_DAYS: '0',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(HookbridgeError);
      const e = err as HookbridgeError;
      expect(e.code).toBe('misconfigured');
      expect(e.message).toMatch(/HOOKBRIDGE_TABLE: must be a DynamoDB table name/);
      expect(e.message).toMatch(/HOOKBRIDGE_SECRETS_BACKEND/);
      expect(e.message).toMatch(/HOOKBRIDGE_EVENT_RETENTION_DAYS/);
      expect(e.extensions.variables).toEqual([
        'HOOKBRIDGE_TABLE',
        'HOOKBRIDGE_SECRETS_BACKEND',
        'HOOKBRIDGE_EVENT_RETENTION_DAYS',
      ]);
    }
  });
});

describe('store errors', () => {
  it('turns outages into 503 (retry) but an invalid request into 500, and passes conditional failures through', async () => {
    const fail = (name: string) => storeCall(() => Promise.reject(Object.assign(new Error(name), { name })));
    await expect(fail('ProvisionedThroughputExceededException')).rejects.toMatchObject({
      code: 'store_unavailable',
      status: 503,
    });
    await expect(fail('ValidationException')).rejects.toMatchObject({ code: 'internal', status: 500 });
    await expect(fail('ConditionalCheckFailedException')).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
  });
});

describe('logger redaction', () => {
  it('redacts secrets, tokens, Authorization and Cookie headers', () => {
    const lines: string[] = [];
    const log = createLogger({}, { write: (l) => lines.push(l) });
    log.info('req', {
      headers: {
        authorization: 'Bearer abc.def',
        cookie: 'sid=1',
        'stripe-signature': 't=1,v1=ff',
        accept: '*/*',
      },
      clientSecret: 'shh',
      refresh_token: 'rt',
      note: 'called with Bearer eyJhbGciOi and hbk_0123456789ab_xyz',
    });
    const out = JSON.parse(lines[0]!);
    expect(out.headers).toEqual({
      authorization: '[redacted]',
      cookie: '[redacted]',
      'stripe-signature': '[redacted]',
      accept: '*/*',
    });
    expect(out.clientSecret).toBe('[redacted]');
    expect(out.refresh_token).toBe('[redacted]');
    expect(out.note).toBe('called with Bearer [redacted] and [redacted]');
    expect(lines[0]).not.toMatch(/abc\.def|sid=1|shh|eyJhbGciOi/);
  });
});

import { describe, expect, it } from 'vitest';
import { HookbridgeError } from '../../shared/errors.js';
import type { HttpRequest } from '../../shared/http/types.js';
import { createLogger } from '../../shared/log.js';
import { SECRET_PLACEHOLDER } from '../../shared/secrets.js';
import { receiveWebhook } from '../../shared/webhooks/receive.js';

// The stack's signature-failure alarm counts the "webhook rejected" line; this pins it.
describe('webhook rejection log line', () => {
  it('writes one redacted "webhook rejected" line with the reason, and stores nothing', async () => {
    const lines: string[] = [];
    const stored: unknown[] = [];
    const req: HttpRequest = {
      ...githubRequest(),
      headers: {
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        'x-github-delivery': 'd1',
        'x-github-event': 'push',
      },
    };
    const err = await receiveWebhook(req, {
      secrets: {
        get: async () => ({ secrets: ['topsecret-value'] }),
        refreshAfterFailure: async () => false,
      },
      store: {
        put: async (r) => {
          stored.push(r);
          return 'stored';
        },
      },
      now: () => Date.UTC(2026, 0, 1),
      log: createLogger({}, { write: (l) => lines.push(l) }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookbridgeError);
    expect((err as HookbridgeError).code).toBe('bad_signature');
    expect(stored).toEqual([]);
    const rejected = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'webhook rejected');
    expect(rejected).toEqual([
      expect.objectContaining({
        level: 'warn',
        provider: 'github',
        source: 'default',
        reason: 'bad_signature',
      }),
    ]);
    expect(lines.join('\n')).not.toContain('topsecret-value');
  });

  it.each([
    [
      'file',
      `Secret hookbridge/webhooks/github still holds the placeholder ${SECRET_PLACEHOLDER}; edit .hookbridge/secrets.json and set "hookbridge/webhooks/github" to {"secrets":["…"]}`,
    ],
    [
      'secrets-manager',
      `Secret hookbridge/webhooks/github still holds the placeholder ${SECRET_PLACEHOLDER}; set it with aws secretsmanager put-secret-value --secret-id hookbridge/webhooks/github --secret-string '{"secrets":["…"]}'`,
    ],
  ] as const)(
    'a placeholder secret (%s backend) is 500 misconfigured saying how to set it there',
    async (kind, detail) => {
      const stored: unknown[] = [];
      const err = await receiveWebhook(
        { ...githubRequest(), headers: {} },
        {
          secrets: {
            get: async () => ({ secrets: [SECRET_PLACEHOLDER] }),
            refreshAfterFailure: async () => false,
            store: { kind },
          },
          secretsFile: '.hookbridge/secrets.json',
          store: {
            put: async (r) => {
              stored.push(r);
              return 'stored';
            },
          },
          now: () => Date.UTC(2026, 0, 1),
          log: createLogger({}, { write: () => {} }),
        },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HookbridgeError);
      expect(err).toMatchObject({ code: 'misconfigured', status: 500, message: detail });
      expect(stored).toEqual([]);
    },
  );
});

function githubRequest(): HttpRequest {
  return {
    routeKey: 'POST /webhooks/{provider}',
    method: 'POST',
    rawPath: '/webhooks/github',
    rawQueryString: '',
    pathParameters: { provider: 'github' },
    query: {},
    headers: {},
    cookies: [],
    rawBody: Buffer.from('{"zen":"x"}'),
    requestId: 'r1',
    sourceIp: '127.0.0.1',
    baseUrl: 'http://127.0.0.1:3000',
  };
}

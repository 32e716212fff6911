import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEvent } from '../../infra/local/gateway.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { PROVIDERS } from '../../shared/webhooks/catalog.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { bodies, headers } from '../webhook-arbitraries.js';

let rt: LocalRuntime;
let temp: TempSecrets;

beforeAll(async () => {
  const all: Record<string, unknown> = {};
  for (const slug of Object.keys(PROVIDERS))
    all[`hookbridge/webhooks/${slug}`] = {
      secrets: ['c2VjcmV0LXNlY3JldA==', 'whsec_c2VjcmV0'],
      publicKey: 'pk',
    };
  temp = await writeTempSecrets('hb-webhook-props-', all);
  rt = await startLocal({ port: 0, secretsFile: temp.secretsFile, apiKey: TEST_ADMIN_KEY });
});

afterAll(async () => {
  await rt?.close();
  await temp?.remove();
});

describe('webhooks-receive through the handler', () => {
  it('answers random headers and bodies with a 4xx problem, never a 5xx', async () => {
    const handler = rt.handlers.get('webhooks-receive')!;
    const slugs = [...Object.keys(PROVIDERS), 'svix', 'paypal', 'nope'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...slugs),
        fc.option(
          fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/') && !s.includes('?')),
        ),
        headers,
        bodies,
        fc.boolean(),
        async (slug, source, h, body, textual) => {
          const path = `/webhooks/${slug}${source === null ? '' : `/${encodeURIComponent(source)}`}`;
          const event = toEvent(
            {
              method: 'POST',
              url: path,
              headers: { ...h, 'content-type': textual ? 'application/json' : 'application/octet-stream' },
              body,
              sourceIp: '127.0.0.1',
              host: `127.0.0.1:${rt.port}`,
              port: rt.port,
            },
            {
              routeKey:
                source === null ? 'POST /webhooks/{provider}' : 'POST /webhooks/{provider}/{sourceId}',
              pathParameters: source === null ? { provider: slug } : { provider: slug, sourceId: source },
            },
          );
          const res = (await handler(event)) as {
            statusCode: number;
            body?: string;
            headers?: Record<string, string>;
          };
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
          expect(res.headers?.['content-type']).toBe('application/problem+json');
          expect(res.body).not.toMatch(/at .+\.ts:\d+/);
        },
      ),
      { numRuns: 400 },
    );
  });
});

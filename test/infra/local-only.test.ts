/**
 * The local runtime's own pieces never ship: every Lambda bundle (functions/*, built with the
 * stack's esbuild settings) is checked for oidc-provider (the dev OpenID provider, a devDependency)
 * and for anything under infra/local/.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BUNDLE } from '../../infra/bundling.js';
import { REPO_ROOT } from '../../infra/local/server.js';

describe('Lambda bundles', () => {
  it('hold no oidc-provider and nothing of infra/local', async () => {
    const functions = readdirSync(join(REPO_ROOT, 'functions'));
    const { metafile, outputFiles } = await build({
      entryPoints: functions.map((fn) => join(REPO_ROOT, 'functions', fn, 'index.ts')),
      outdir: join(REPO_ROOT, '.bundle-check'),
      write: false,
      metafile: true,
      bundle: true,
      format: BUNDLE.format,
      platform: BUNDLE.platform,
      target: BUNDLE.target,
      mainFields: [...BUNDLE.mainFields],
      banner: { js: BUNDLE.banner },
      logLevel: 'error',
    });
    const inputs = Object.keys(metafile.inputs);
    expect(functions.length).toBeGreaterThanOrEqual(10);
    expect(inputs.some((i) => i.includes('node_modules/jose/'))).toBe(true); // the check sees dependencies
    expect(inputs.filter((i) => /node_modules\/oidc-provider\/|infra\/local\//.test(i))).toEqual([]);
    // Nor a lazy import left for run time (a message naming it is fine).
    for (const out of outputFiles) expect(/["'`]oidc-provider["'`]/.test(out.text), out.path).toBe(false);
  }, 60_000);
});

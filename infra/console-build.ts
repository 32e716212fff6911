/**
 * Builds the console (shared/console/ui, Preact) with esbuild into shared/console/assets.gen.ts
 * (`npm run console`): the page's script and style sheet as strings, so `npm start`, the Lambda
 * bundle and the tests all serve the same bytes. test/unit/console-assets.test.ts rebuilds and
 * compares, so a stale file fails the tests.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ASSETS_FILE = join(ROOT, 'shared/console/assets.gen.ts');

export async function buildConsoleAssets(): Promise<{ js: string; css: string }> {
  const out = await build({
    entryPoints: [join(ROOT, 'shared/console/ui/main.tsx'), join(ROOT, 'shared/console/ui/console.css')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    write: false,
    outdir: join(ROOT, '.console-out'),
    logLevel: 'silent',
  });
  const text = (ext: string) => out.outputFiles.find((f) => f.path.endsWith(ext))!.text;
  return { js: text('.js'), css: text('.css') };
}

export async function renderAssetsModule(): Promise<string> {
  const { js, css } = await buildConsoleAssets();
  const version = createHash('sha256').update(js).update(css).digest('hex').slice(0, 12);
  return [
    '// Generated from shared/console/ui by `npm run console`; do not edit.',
    `export const CONSOLE_VERSION = '${version}';`,
    '// biome-ignore format: generated',
    `export const CONSOLE_JS: string = ${JSON.stringify(js)};`,
    '// biome-ignore format: generated',
    `export const CONSOLE_CSS: string = ${JSON.stringify(css)};`,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(ASSETS_FILE, await renderAssetsModule());
  process.stdout.write(`wrote ${ASSETS_FILE}\n`);
}

import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** esbuild settings shared by the CDK function construct and the benches, so they measure what ships. */
export const BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  /** Off by default: `-c sourceMaps=true` turns them on (with `--enable-source-maps`). */
  sourcemap: false,
  mainFields: ['module', 'main'],
  /** ESM bundles still meet CommonJS dependencies that call require(). */
  banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  /** Lambda's credentials are always in the environment: the SDK's full chain is never used there. */
  alias: {
    '@aws-sdk/credential-provider-node': fileURLToPath(new URL('./lambda-credentials.ts', import.meta.url)),
  },
} as const;

/**
 * One function's bundle: `index.mjs` and, split off it, a chunk per code a dynamic `import()`
 * reaches (`chunks/`), loaded only when a request takes that path (a console cookie's JWE, a
 * provider's verifier, the Secrets Manager client): a cold start parses what it runs, not the
 * whole function. What both paths share stays in a shared chunk, loaded once.
 */
export function functionBuild(
  entry: string,
  outdir: string,
  opts: { sourceMaps?: boolean } = {},
): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: BUNDLE.format,
    platform: BUNDLE.platform,
    target: BUNDLE.target,
    minify: BUNDLE.minify,
    sourcemap: opts.sourceMaps ?? BUNDLE.sourcemap,
    sourcesContent: false,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    alias: BUNDLE.alias,
    logLevel: 'error',
  };
}

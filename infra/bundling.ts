/** esbuild settings shared by the CDK function construct and the cold-start bench, so they measure what ships. */
export const BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  /** ESM bundles still meet CommonJS dependencies that call require(). */
  banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
} as const;

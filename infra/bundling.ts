import { fileURLToPath } from 'node:url';

/** esbuild settings shared by the CDK function construct and the cold-start bench, so they measure what ships. */
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

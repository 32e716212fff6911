#!/usr/bin/env node
// The `hookbridge` bin (package.json "bin"). Runs the prebuilt bundle (`npm run build:cli`, which
// an installed package ships) when it is there, else the TypeScript source through tsx (a
// checkout with dev dependencies). Plain JS, so it runs before any loader is registered.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('./dist/hookbridge.mjs', import.meta.url));
let entry;
if (existsSync(bundle)) entry = await import(pathToFileURL(bundle).href);
else {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    process.stderr.write(
      'error: hookbridge has no prebuilt bundle (infra/cli/dist/hookbridge.mjs) and tsx is not installed: run npm run build:cli, or npm install in the checkout\n',
    );
    process.exit(1);
  }
  entry = await import('./main.ts');
}
await entry.main(process.argv.slice(2));

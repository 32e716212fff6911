/**
 * Writes the provider registries from the manifest (`npm run providers`). Each registry imports
 * one part of every provider, so a function bundles only the part it uses: the receive path the
 * verifiers, the stream processor the mappers, the dev tools everything.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WEBHOOK_PROVIDERS } from '../../shared/webhooks/manifest.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = join(ROOT, 'shared/webhooks/providers');
const HEAD = '// Generated from shared/webhooks/manifest.ts by `npm run providers`; do not edit.\n';

/** `standard-webhooks` -> `standardWebhooks` */
const ident = (slug: string) => slug.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export const hasMapper = (slug: string): boolean => existsSync(join(DIR, slug, 'map.ts'));

function registry(opts: {
  slugs: readonly string[];
  type: string;
  typeFrom: string;
  part: string;
  file: string;
  declare: (ids: string[]) => string;
}): string {
  const imports = [...opts.slugs]
    .sort()
    .map((s) => `import { ${opts.part} as ${ident(s)} } from './${s}/${opts.file}.js';`);
  // One line, left unformatted: a provider a line would only repeat the manifest in every registry.
  const declaration = `// biome-ignore format: generated\n${opts.declare(opts.slugs.map(ident))}`;
  return `${HEAD}import type { ${opts.type} } from '${opts.typeFrom}';\n${imports.join('\n')}\n\n${declaration}\n`;
}

/** File name (under shared/webhooks/providers) -> content. */
export function renderRegistries(): Record<string, string> {
  const all = WEBHOOK_PROVIDERS;
  const mapped = all.filter(hasMapper);
  return {
    'schemes.gen.ts': registry({
      slugs: all,
      type: 'ProviderScheme',
      typeFrom: '../types.js',
      part: 'scheme',
      file: 'verify',
      declare: (ids) => `export const SCHEMES: readonly ProviderScheme[] = [${ids.join(', ')}];`,
    }),
    'mappers.gen.ts': registry({
      slugs: mapped,
      type: 'Mapper',
      typeFrom: '../../payments/mapping.js',
      part: 'map',
      file: 'map',
      declare: (ids) =>
        `export const MAPPERS: Readonly<Record<string, Mapper>> = { ${mapped.map((s, i) => (s === ids[i] ? s : `'${s}': ${ids[i]}`)).join(', ')} };`,
    }),
    'definitions.gen.ts': registry({
      slugs: all,
      type: 'ProviderDefinition',
      typeFrom: '../types.js',
      part: 'provider',
      file: 'index',
      declare: (ids) => `export const DEFINITIONS: readonly ProviderDefinition[] = [${ids.join(', ')}];`,
    }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = Object.entries(renderRegistries()).map(([name, text]) => {
    writeFileSync(join(DIR, name), text);
    return join(DIR, name);
  });
  execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['check', '--write', ...files], { stdio: 'inherit' });
  process.stdout.write(`wrote ${files.length} registries for ${WEBHOOK_PROVIDERS.length} providers\n`);
}

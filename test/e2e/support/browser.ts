/**
 * The browser the end-to-end tests drive, through playwright-core. A system Chromium or Chrome
 * when the machine has one ($HOOKBRIDGE_CHROMIUM, then the usual paths and names on PATH),
 * else the headless Chromium that the `@sparticuz/chromium` devDependency ships inside its npm
 * tarball: brotli-compressed, with the NSS and expat libraries it links against, its fonts and
 * SwiftShader. That copy is unpacked once per package version into the temp directory and run
 * with its own libraries first on LD_LIBRARY_PATH, so it needs nothing from the system beyond the
 * C runtime (libc, libm, libgcc_s) that Node itself runs on. Nothing is downloaded, at install
 * or at run time. `HOOKBRIDGE_CHROMIUM=package` forces the packaged one.
 */
import { constants, createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';

/** The flags every launch uses: headless, no sandbox (tests may run as root), no network of its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumExecutable {
  source: 'system' | 'package';
  executablePath: string;
  /** Extra environment for the browser process (the packaged one's libraries and fonts). */
  env: Record<string, string>;
  /** The package's version, for the packaged one. */
  packageVersion?: string;
}

const SYSTEM_PATHS: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ],
  darwin: [
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ],
};
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

const isExecutable = (path: string): boolean => {
  try {
    return statSync(path).isFile() && (process.platform === 'win32' || (statSync(path).mode & 0o111) !== 0);
  } catch {
    return false;
  }
};

/**
 * A system Chromium or Chrome: $HOOKBRIDGE_CHROMIUM when set (an error when it names nothing
 * runnable), else the first of the usual install paths and names on PATH; undefined when none.
 */
export function findSystemChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env.HOOKBRIDGE_CHROMIUM;
  if (chosen === 'package') return undefined;
  if (chosen) {
    if (isExecutable(chosen)) return chosen;
    throw new Error(
      `HOOKBRIDGE_CHROMIUM=${chosen} is not an executable file; unset it or point it at a Chromium`,
    );
  }
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((d) => SYSTEM_NAMES.map((n) => join(d, n)));
  return [...(SYSTEM_PATHS[process.platform] ?? []), ...onPath].find(isExecutable);
}

const PACKAGE = '@sparticuz/chromium';

/** Where the package keeps its compressed browser, and its version. */
async function packageFiles(): Promise<{ bin: string; version: string }> {
  // The package exports only its entry point (build/{esm,cjs}/index.*); bin/ sits two levels up.
  const root = join(dirname(createRequire(import.meta.url).resolve(PACKAGE)), '..', '..');
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  return { bin: join(root, 'bin'), version };
}

/** Extracts a (small) tar archive of plain files and directories, refusing paths that leave `dest`. */
async function untar(archive: Buffer, dest: string): Promise<void> {
  const text = (b: Buffer) => b.toString('utf8', 0, b.indexOf(0) < 0 ? b.length : b.indexOf(0));
  for (let at = 0; at + 512 <= archive.length; ) {
    const header = archive.subarray(at, at + 512);
    const name = text(header.subarray(0, 100));
    if (!name) break; // the zero blocks at the end
    const prefix = text(header.subarray(345, 500));
    const path = normalize(prefix ? `${prefix}/${name}` : name);
    const size = Number.parseInt(text(header.subarray(124, 136)).trim() || '0', 8);
    const mode = Number.parseInt(text(header.subarray(100, 108)).trim() || '644', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const body = archive.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (path.startsWith('..') || path.startsWith(sep))
      throw new Error(`${PACKAGE}: unsafe path ${path} in archive`);
    if (type === '5') await mkdir(join(dest, path), { recursive: true });
    else if (type === '0' || type === '\0') {
      await mkdir(dirname(join(dest, path)), { recursive: true });
      await writeFile(join(dest, path), body, { mode: mode & 0o777 });
    } else throw new Error(`${PACKAGE}: unexpected entry type ${type} for ${path} in archive`);
  }
}

/**
 * The Chromium shipped inside `@sparticuz/chromium`, unpacked on first use into
 * `<tmp>/hookbridge-chromium-<version>-<uid>` (staged, then renamed into place, so parallel test
 * workers never see half a browser). Linux x86-64 only, as the package is.
 */
export async function packagedChromium(): Promise<ChromiumExecutable> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `No system Chromium found, and the Chromium in ${PACKAGE} runs only on Linux x86-64 (this is ` +
        `${process.platform}-${process.arch}): install Chromium or Chrome, or set HOOKBRIDGE_CHROMIUM to its path`,
    );
  }
  const { bin, version } = await packageFiles();
  const dir = join(tmpdir(), `hookbridge-chromium-${version}-${process.getuid?.() ?? 0}`);
  const executablePath = join(dir, 'chromium');
  if (!existsSync(executablePath)) {
    const staging = `${dir}.${process.pid}-${Date.now()}`;
    try {
      await mkdir(join(staging, 'fonts'), { recursive: true });
      await pipeline(
        createReadStream(join(bin, 'chromium.br')),
        createBrotliDecompress(),
        createWriteStream(join(staging, 'chromium'), { mode: 0o755 }),
      );
      const archive = async (name: string) => brotliDecompressSync(await readFile(join(bin, name)));
      await untar(await archive('al2023.tar.br'), staging); // lib/: NSS, NSPR, expat
      await untar(await archive('swiftshader.tar.br'), staging); // beside the binary, where it looks
      await untar(await archive('fonts.tar.br'), join(staging, 'fonts'));
      // The package's fonts.conf names Lambda's directories; this one names ours.
      await writeFile(
        join(staging, 'fonts', 'fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
          `  <dir>${join(dir, 'fonts', 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n` +
          `</fontconfig>\n`,
      );
      await rename(staging, dir).catch((e: unknown) => {
        // Another worker got there first: use its copy.
        if (!existsSync(executablePath)) throw e;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  await access(executablePath, constants.X_OK);
  const uid = process.getuid?.();
  if (uid !== undefined && statSync(dir).uid !== uid) throw new Error(`${dir} belongs to another user`);
  return {
    source: 'package',
    executablePath,
    packageVersion: version,
    env: {
      LD_LIBRARY_PATH: [join(dir, 'lib'), dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: join(dir, 'fonts'),
    },
  };
}

/** The system browser when there is one (see findSystemChromium), else the packaged one. */
export async function resolveChromium(prefer?: 'package'): Promise<ChromiumExecutable> {
  const system = prefer === 'package' ? undefined : findSystemChromium();
  return system ? { source: 'system', executablePath: system, env: {} } : packagedChromium();
}

/** Launches headless Chromium with the tests' flags; `prefer: 'package'` skips the system one. */
export async function launchChromium(prefer?: 'package'): Promise<Browser> {
  const exe = await resolveChromium(prefer);
  return chromium.launch({
    executablePath: exe.executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    env: { ...process.env, ...exe.env } as Record<string, string>,
  });
}

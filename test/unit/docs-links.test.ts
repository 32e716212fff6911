import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown outside fenced code blocks (a `# comment` in a shell block is not a heading). */
function prose(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .filter((line) => {
      if (/^\s*```/.test(line)) {
        inFence = !inFence;
        return false;
      }
      return !inFence;
    })
    .join('\n');
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, text] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = text!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Every inline link target, outside code blocks and code spans. */
function linksOf(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

const relativeLinks = PAGES.flatMap((page) =>
  linksOf(readFileSync(join(ROOT, page), 'utf8'))
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href))
    .map((href) => [page, href] as const),
);

describe('relative links in README.md and docs/', () => {
  it('finds the pages and their links', () => {
    expect(PAGES).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/webhooks.md']));
    expect(relativeLinks.length).toBeGreaterThan(20);
  });

  it.each(relativeLinks)('%s -> %s resolves', (page, href) => {
    const [path, anchor] = href.split('#') as [string, string | undefined];
    const target = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), decodeURIComponent(path));
    expect(relative(ROOT, target).startsWith('..'), `${href} leaves the repository`).toBe(false);
    expect(existsSync(target), `${href}: no file ${relative(ROOT, target)}`).toBe(true);
    if (anchor === undefined) return;
    expect(
      statSync(target).isFile() && target.endsWith('.md'),
      `${href}: an anchor into a non-Markdown file`,
    ).toBe(true);
    const anchors = anchorsOf(readFileSync(target, 'utf8'));
    expect([...anchors], `${href}: no heading #${anchor} in ${relative(ROOT, target)}`).toContain(anchor);
  });
});

describe('heading anchors', () => {
  it('follow GitHub: punctuation dropped, spaces hyphenated, repeats numbered, code blocks ignored', () => {
    const md =
      '# Stack context (`-c`)\n## A first delivery to your app\n```sh\n# not a heading\n```\n## Secrets\n## Secrets\n';
    expect([...anchorsOf(md)]).toEqual([
      'stack-context--c',
      'a-first-delivery-to-your-app',
      'secrets',
      'secrets-1',
    ]);
  });
});

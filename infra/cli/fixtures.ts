/**
 * Trigger fixtures: one data file per provider event, `fixtures/<provider>/<event>.json` (or `.xml`
 * for Braintree, whose body is a form carrying base64 XML), shaped as the provider's docs show.
 * Placeholders make every trigger a new event: `{{uid}}` (new per event), `{{run}}` (shared by the
 * events of one command, so a scenario's events name the same objects), `{{uuid}}`, and times
 * `{{now}}` (epoch seconds; a whole-string placeholder becomes a JSON number), `{{iso}}`,
 * `{{date}}`, each with an optional offset such as `{{iso+30d}}` or `{{now-1h}}`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROVIDER_ALIASES } from '../../shared/webhooks/catalog.js';
import { CliError } from '../cli.js';
import { EXIT } from './exit.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where the fixtures are: beside this file (infra/cli/), or one up from the bundle (infra/cli/dist/). */
export const FIXTURES_DIR = existsSync(join(HERE, 'fixtures'))
  ? join(HERE, 'fixtures')
  : join(HERE, '..', 'fixtures');

export interface Fixture {
  provider: string;
  event: string;
  file: string;
}

const listDir = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

export const canonicalProvider = (p: string): string => PROVIDER_ALIASES[p] ?? p;

/** Every fixture, or one provider's; an unknown provider is a usage error naming the known ones. */
export function listFixtures(provider?: string): Fixture[] {
  const providers = listDir(FIXTURES_DIR);
  const wanted = provider === undefined ? providers : [canonicalProvider(provider)];
  if (provider !== undefined && !providers.includes(wanted[0]!))
    throw new CliError(
      `no fixtures for provider "${provider}": pass one of ${providers.join(', ')} (hookbridge trigger --list shows every event)`,
      EXIT.usage,
    );
  return wanted.flatMap((p) =>
    listDir(join(FIXTURES_DIR, p))
      .filter((f) => /\.(json|xml)$/.test(f))
      .map((f) => ({ provider: p, event: f.replace(/\.(json|xml)$/, ''), file: join(FIXTURES_DIR, p, f) })),
  );
}

export function findFixture(provider: string, event: string): Fixture {
  const all = listFixtures(provider);
  const hit = all.find((f) => f.event === event);
  if (!hit)
    throw new CliError(
      `no fixture "${event}" for ${provider}: pass one of ${all.map((f) => f.event).join(', ')}`,
      EXIT.usage,
    );
  return hit;
}

const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const PLACEHOLDER = /\{\{(now|iso|date|run|uid|uuid)(?:([+-])(\d+)([smhd]))?\}\}/g;

export const newToken = (): string => randomBytes(8).toString('hex').toUpperCase();

export interface RenderContext {
  /** Shared by the events of one command. */
  run: string;
  /** Epoch seconds the event's times are relative to. */
  nowSec: number;
}

function replacer(ctx: RenderContext, uid: string) {
  return (_: string, name: string, sign?: string, n?: string, unit?: string): string => {
    const sec = ctx.nowSec + (sign ? (sign === '-' ? -1 : 1) * Number(n) * UNIT_SEC[unit!]! : 0);
    switch (name) {
      case 'now':
        return String(sec);
      case 'iso':
        return new Date(sec * 1000).toISOString();
      case 'date':
        return new Date(sec * 1000).toISOString().slice(0, 10);
      case 'run':
        return ctx.run;
      case 'uuid':
        return randomUUID();
      default:
        return uid;
    }
  };
}

/** The fixture's body for one event: JSON text (times as numbers where the placeholder is the whole value), or form text for Braintree. */
export function renderFixture(fixture: Fixture, ctx: RenderContext): string {
  const text = readFileSync(fixture.file, 'utf8');
  const uid = newToken();
  const replace = replacer(ctx, uid);
  if (fixture.file.endsWith('.xml'))
    return new URLSearchParams({
      bt_payload: `${Buffer.from(text.replace(PLACEHOLDER, replace)).toString('base64')}\n`,
    }).toString();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const out = v.replace(PLACEHOLDER, replace);
      return /^\{\{now([+-]\d+[smhd])?\}\}$/.test(v) ? Number(out) : out;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return JSON.stringify(walk(JSON.parse(text)));
}

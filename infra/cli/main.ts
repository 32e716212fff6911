/**
 * `hookbridge`: the developer's command line for a local (`npm start`) or deployed Hookbridge.
 * Every failure is one line on stderr naming the cause and the fix; exit codes in ./exit.ts.
 */
import { parseArgs } from 'node:util';
import { CliError, fail } from '../cli.js';
import { apiFor } from './api.js';
import { EXIT } from './exit.js';
import { canonicalProvider, findFixture, listFixtures } from './fixtures.js';
import { listen } from './listen.js';
import { print, printJson, table } from './output.js';
import { listDestinations, replay, showEvent, tail } from './read.js';
import { resolveTarget } from './target.js';
import { SCENARIOS, type Sent, scenario, trigger } from './trigger.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const COMMANDS: Record<string, string> = {
  listen: 'listen --forward-to <url> [--types payment.*] [--id name] [--state file] [--timeout sec] [--json]',
  trigger:
    'trigger <provider> <event> [--source id] [--json] | trigger --list [provider] | trigger --scenario <name> [--count n]',
  'events tail': 'events tail [--provider p] [--type t] [--limit n] [--once] [--json]',
  'events show': 'events show <id> [--json]',
  replay: 'replay <id> [--destination id] [--json]',
  'destinations list': 'destinations list [--json]',
};

const HELP = `hookbridge: work with a local or deployed Hookbridge from the command line

Usage:
${Object.values(COMMANDS)
  .map((c) => `  hookbridge ${c}`)
  .join('\n')}

Options for every command:
  --url <base>          the service (default: HOOKBRIDGE_URL, else the running npm start's .hookbridge/runtime.json)
  --api-key <key>       default HOOKBRIDGE_API_KEY, else (local runtime) the secrets file's hookbridge/admin
  --secrets-file <path> webhook sources' secrets for trigger (default: the local runtime's)
  --json                machine-readable output
  -h, --help            this help

Exit codes: 0 ok, 1 failure, 2 usage, 3 cannot reach the service, 4 API key refused. See docs/cli.md.
`;

const OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'secrets-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'forward-to': { type: 'string' },
  types: { type: 'string', multiple: true },
  id: { type: 'string' },
  state: { type: 'string' },
  timeout: { type: 'string' },
  source: { type: 'string' },
  list: { type: 'boolean' },
  scenario: { type: 'string' },
  count: { type: 'string' },
  provider: { type: 'string' },
  type: { type: 'string' },
  limit: { type: 'string' },
  once: { type: 'boolean' },
  destination: { type: 'string' },
} as const;

const usage = (message: string, command?: string) =>
  new CliError(
    `${message}: usage: hookbridge ${command ? COMMANDS[command] : '<command> (hookbridge --help lists them)'}`,
    EXIT.usage,
  );

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw usage((err as Error).message.split(/\.( |$)/)[0]!);
  }
}
type Values = ReturnType<typeof parse>['values'];

const intOption = (v: string | undefined, name: string, dflt: number, min: number, max: number): number => {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new CliError(`--${name} must be a whole number ${min}-${max}, not "${v}"`, EXIT.usage);
  return Number(v);
};

/** Ctrl-C stops the running command cleanly (listen saves where it is); a second one exits at once. */
function interruptible(): AbortSignal {
  const stop = new AbortController();
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort(new Error('interrupted'));
  });
  process.on('SIGTERM', () => stop.abort(new Error('terminated')));
  return stop.signal;
}

function printSent(sent: Sent[], json: boolean): void {
  if (json) {
    printJson(sent.length === 1 ? sent[0] : sent);
    return;
  }
  for (const s of sent)
    print(
      `POST ${s.path}  ${s.provider} ${s.event}  -> ${s.status} ${s.outcome ?? s.answer ?? ''}${s.id ? `  id ${s.id}` : ''}`,
    );
}

async function runTrigger(v: Values, args: string[]): Promise<void> {
  if (v.list) {
    const rows = listFixtures(args[0]).map((f) => ({ provider: f.provider, event: f.event }));
    if (v.json) return printJson(rows);
    process.stdout.write(table(rows, ['provider', 'event']));
    if (!args[0])
      print(
        `\nScenarios (--scenario):\n${Object.entries(SCENARIOS)
          .map(([n, s]) => `  ${n}: ${s.summary}`)
          .join('\n')}`,
      );
    return;
  }
  let sent: Sent[];
  if (v.scenario) {
    if (args.length)
      throw usage(`--scenario takes no provider or event (got "${args.join(' ')}")`, 'trigger');
    const s = scenario(v.scenario);
    const count = intOption(v.count, 'count', 5, 2, 100);
    sent = await s.run({ target: resolveTarget(v), source: v.source }, count);
  } else {
    if (args.length !== 2)
      throw usage('trigger needs a provider and an event (hookbridge trigger --list shows them)', 'trigger');
    const fixture = findFixture(canonicalProvider(args[0]!), args[1]!);
    sent = [await trigger({ target: resolveTarget(v), source: v.source }, fixture)];
  }
  printSent(sent, Boolean(v.json));
  const bad = sent.find((s) => s.status >= 300);
  if (bad)
    throw new CliError(
      `${bad.path} refused the ${bad.provider} ${bad.event} event (${bad.status}${bad.answer ? ` ${bad.answer}` : ''}): check that --secrets-file holds the secret this service verifies with`,
    );
}

async function dispatch(v: Values, words: string[], stop: AbortSignal): Promise<void> {
  const [cmd, sub, ...rest] = words;
  const api = () => apiFor(resolveTarget(v));
  const json = Boolean(v.json);
  const oneId = (command: string, args: (string | undefined)[]) => {
    if (args.length !== 1 || !args[0]) throw usage(`${command} needs exactly one id`, command);
    return args[0];
  };
  switch (cmd) {
    case 'listen': {
      if (sub) throw usage(`listen takes no arguments (got "${sub}")`, 'listen');
      if (!v['forward-to']) throw usage('listen needs --forward-to', 'listen');
      const target = resolveTarget(v);
      return listen(
        apiFor(target),
        {
          forwardTo: v['forward-to'],
          types: (v.types ?? []).flatMap((t) => t.split(',')).filter(Boolean),
          id: v.id,
          state: v.state,
          timeoutMs: intOption(v.timeout, 'timeout', 10, 1, 300) * 1000,
          json,
          url: target.url,
        },
        stop,
      );
    }
    case 'trigger':
      return runTrigger(v, words.slice(1));
    case 'events':
      if (sub === 'tail') {
        if (rest.length)
          throw usage(`events tail takes no arguments (got "${rest.join(' ')}")`, 'events tail');
        const limit = intOption(v.limit, 'limit', 20, 1, 200);
        return tail(
          api(),
          { provider: v.provider, type: v.type, limit, follow: !v.once, json, everyMs: 1000 },
          stop,
        );
      }
      if (sub === 'show') return showEvent(api(), oneId('events show', rest), json);
      throw usage(
        sub ? `unknown events command "${sub}"` : 'events needs tail or show',
        sub ? undefined : 'events tail',
      );
    case 'replay':
      return replay(api(), oneId('replay', words.slice(1)), v.destination, json);
    case 'destinations':
      if (sub === 'list' && rest.length === 0) return listDestinations(api(), json);
      throw usage(
        sub === 'list' ? 'destinations list takes no arguments' : 'destinations needs list',
        'destinations list',
      );
    default:
      throw usage(cmd ? `unknown command "${cmd}"` : 'no command given');
  }
}

export async function main(argv: string[]): Promise<never> {
  try {
    const { values, positionals } = parse(argv);
    if (values.help || positionals[0] === 'help') {
      process.stdout.write(HELP);
      process.exit(EXIT.ok);
    }
    const stop = interruptible();
    try {
      await dispatch(values, positionals, stop);
    } catch (err) {
      if (!stop.aborted) throw err;
    }
    if (stop.aborted && positionals[0] === 'listen')
      process.stderr.write('stopped: run the same command again to resume where it stopped\n');
  } catch (err) {
    fail(err);
  }
  process.exit(process.exitCode ?? EXIT.ok);
}

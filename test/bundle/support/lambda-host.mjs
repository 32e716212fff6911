// One function instance, as the Lambda Node.js runtime runs it: plain node (no tsx, no loader), the
// asset folder as cwd, the handler module `<file>.<export>` resolved in the folder as Lambda does
// (.js, then .mjs, then .cjs), imported once (the cold start), then one event at a time.
// Talks to the test over the fork IPC channel: {id, event, deadlineMs} in, {id, result | error} out.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, spec] = process.argv.slice(2);
const dot = spec.lastIndexOf('.');
const base = spec.slice(0, dot);
const name = spec.slice(dot + 1);
const file = ['.js', '.mjs', '.cjs'].map((ext) => join(dir, base + ext)).find((f) => existsSync(f));
if (!file) throw new Error(`No ${base}.js/.mjs/.cjs in ${dir}`);
const handler = (await import(pathToFileURL(file).href))[name];
if (typeof handler !== 'function') throw new Error(`${file} exports no function "${name}"`);

let queue = Promise.resolve();
process.on('message', (msg) => {
  queue = queue.then(async () => {
    const deadline = Date.now() + msg.deadlineMs;
    const context = {
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      awsRequestId: `req-${msg.id}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const result = await handler(msg.event, context);
      process.send({ id: msg.id, result: result ?? null });
    } catch (err) {
      process.send({ id: msg.id, error: { name: err?.name, message: err?.message } });
    }
  });
});
process.send({ ready: true, node: process.version });

/**
 * `npm run vault:reencrypt`: re-seals every connection's tokens under the current key of
 * `hookbridge/vault`. Resumable: connections already under the current kid are skipped, so an
 * interrupted run is simply started again (`--from <cursor>` resumes from the printed cursor).
 * Each write is version-conditional; a connection refreshed meanwhile is already under the current
 * key. Uses the function environment (HOOKBRIDGE_TABLE, secrets backend) like the Lambdas do, else the
 * running `npm start` (its .hookbridge/runtime.json; `--local` insists on it).
 */
import { parseArgs } from 'node:util';
import type { ConnectionDeps } from '../../shared/connections/deps.js';
import { TokenVault } from '../../shared/vault/vault.js';
import { runCli } from '../cli.js';
import { buildConnectionsContainer } from '../container/connections.js';
import { opsConfig } from './environment.js';

export async function reencryptAll(
  deps: Pick<ConnectionDeps, 'vault' | 'store'>,
  opts: { from?: string | undefined; onProgress?: (p: Progress) => void } = {},
): Promise<Progress> {
  const vault = await deps.vault();
  const p: Progress = { scanned: 0, resealed: 0, alreadyCurrent: 0, changedMeanwhile: 0, cursor: undefined };
  let cursor = opts.from;
  do {
    const page = await deps.store.list({ limit: 50, cursor });
    for (const c of page.items) {
      p.scanned++;
      if (TokenVault.kidOf(c.tokens) === vault.currentKid) {
        p.alreadyCurrent++;
        continue;
      }
      const plain = await vault.open(c.tokens);
      if (await deps.store.reseal(c.id, c.version, await vault.seal(plain), vault.currentKid)) p.resealed++;
      else p.changedMeanwhile++;
    }
    cursor = page.cursor;
    p.cursor = cursor;
    opts.onProgress?.({ ...p });
  } while (cursor);
  return p;
}

export interface Progress {
  scanned: number;
  resealed: number;
  alreadyCurrent: number;
  changedMeanwhile: number;
  /** Pass to `--from` to resume after this page. */
  cursor: string | undefined;
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/infra\//, 'infra/'));
if (isMain)
  await runCli(async () => {
    const { values } = parseArgs({ options: { from: { type: 'string' }, local: { type: 'boolean' } } });
    const out = await reencryptAll(
      buildConnectionsContainer(opsConfig({ local: values.local })).connections,
      {
        from: values.from,
        onProgress: (p) =>
          process.stdout.write(
            `scanned ${p.scanned}  resealed ${p.resealed}  already current ${p.alreadyCurrent}  changed meanwhile ${p.changedMeanwhile}${p.cursor ? `  (resume: --from ${p.cursor})` : ''}\n`,
          ),
      },
    );
    process.stdout.write(
      `done: ${out.resealed} re-encrypted, ${out.alreadyCurrent} already under the current key\n`,
    );
  });

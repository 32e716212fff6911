/** The API-key routes' rules: keys are made here, stored only as hashes, and shown once. */
import { HookbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Clock } from '../ports/index.js';
import type { ApiKeyRepo } from '../ports/stores.js';
import { generateApiKey } from './api-keys.js';
import type { Scope } from './scopes.js';

export interface ApiKeyDeps {
  apiKeys: ApiKeyRepo;
  clock: Clock;
  log: Logger;
}

export async function createApiKey(deps: ApiKeyDeps, body: { name: string; scopes: Scope[] }) {
  const { id, key, hash } = generateApiKey();
  const rec = {
    id,
    name: body.name,
    scopes: [...new Set(body.scopes)],
    hash,
    createdAt: new Date(deps.clock.now()).toISOString(),
  };
  await deps.apiKeys.put(rec);
  deps.log.info('api key created', { keyId: id, scopes: rec.scopes });
  return { id, name: rec.name, scopes: rec.scopes, createdAt: rec.createdAt, key };
}

/** Never the hash. */
export async function listApiKeys(deps: ApiKeyDeps) {
  const items = await deps.apiKeys.list();
  return items.map(({ hash: _hash, ...view }) => view);
}

export async function revokeApiKey(deps: ApiKeyDeps, id: string): Promise<void> {
  const ok = await deps.apiKeys.revoke(id, new Date(deps.clock.now()).toISOString());
  if (!ok) throw new HookbridgeError('not_found', `No API key ${id}`);
  deps.log.info('api key revoked', { keyId: id });
}

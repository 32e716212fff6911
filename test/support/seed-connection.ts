/** Stores an active connection straight into a running local runtime's table (tests that skip the OAuth dance). */
import type { LocalRuntime } from '../../infra/local/server.js';
import type { ConnectionRecord } from '../../shared/connections/model.js';
import { TokenVault } from '../../shared/vault/vault.js';

/** Version 1, tokens sealed with the runtime's vault: access `stale-token`, refresh `rt-1`, valid for an hour unless `over` says otherwise. */
export async function seedConnection(
  rt: LocalRuntime,
  c: Pick<ConnectionRecord, 'id' | 'integrationId' | 'provider'> & Partial<ConnectionRecord>,
): Promise<boolean> {
  const vault = new TokenVault(await rt.container.secrets.get('hookbridge/vault'));
  const now = new Date().toISOString();
  return rt.container.connections.store.save(
    {
      endUserId: 'user-1',
      status: 'active',
      scopes: [],
      metadata: {},
      providerMetadata: {},
      tokens: await vault.seal({ accessToken: 'stale-token', refreshToken: 'rt-1', tokenType: 'Bearer' }),
      kid: 'dev1',
      hasRefreshToken: true,
      expiresAt: Date.now() + 3600_000,
      version: 1,
      refreshFailures: 0,
      createdAt: now,
      updatedAt: now,
      ...c,
    },
    undefined,
  );
}

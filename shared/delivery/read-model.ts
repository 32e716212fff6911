/** The payment read-model routes: one object by id (across providers unless `provider` is given). */
import { HookbridgeError } from '../errors.js';
import type { DeliveryDeps } from './deps.js';
import type { ObjectState } from './types.js';

export async function findObject(
  deps: Pick<DeliveryDeps, 'readModel'>,
  objectType: 'payment' | 'subscription',
  id: string,
  provider?: string,
): Promise<ObjectState> {
  const found = await deps.readModel.findObjects(objectType, id, provider);
  if (found.length === 0) throw new HookbridgeError('not_found', `No ${objectType} ${id}`);
  if (found.length > 1)
    throw new HookbridgeError('conflict', `Several providers have a ${objectType} ${id}; pass ?provider=`, {
      extensions: { providers: found.map((f) => f.provider) },
    });
  return found[0]!;
}

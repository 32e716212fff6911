import type { StoreProbe } from '../../ports/index.js';
import { DynamoRepo } from './repo.js';

/** Reads one key no record uses (an eventually consistent GetItem of its key only): the store answers or throws. */
export class DynamoStoreProbe extends DynamoRepo implements StoreProbe {
  async ping(): Promise<void> {
    await this.getItem({ pk: 'readiness', sk: 'probe' }, false, ['pk']);
  }
}

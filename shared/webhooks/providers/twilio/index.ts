import type { ProviderDefinition } from '../../types.js';
import { sample, sign } from './sign.js';
import { scheme } from './verify.js';

/** Not a payment provider: its events reach the app as `<slug>.raw`. */
export const provider: ProviderDefinition = { ...scheme, sign, sample, rawOnly: true };

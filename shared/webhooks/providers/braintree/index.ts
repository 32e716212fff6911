import type { ProviderDefinition } from '../../types.js';
import { map } from './map.js';
import { sample, sign } from './sign.js';
import { scheme } from './verify.js';

export const provider: ProviderDefinition = { ...scheme, sign, sample, map };

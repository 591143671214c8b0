import type { IdentityStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createIdentityStore(_ctx: PgContext): IdentityStore {
  return unimplemented<IdentityStore>('identity-store');
}

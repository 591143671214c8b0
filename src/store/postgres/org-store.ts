import type { OrgStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createOrgStore(_ctx: PgContext): OrgStore {
  return unimplemented<OrgStore>('org-store');
}

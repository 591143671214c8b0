import type { LeadListStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createLeadListStore(_ctx: PgContext): LeadListStore {
  return unimplemented<LeadListStore>('lead-list-store');
}

import type { LeadWorkStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createLeadWorkStore(_ctx: PgContext): LeadWorkStore {
  return unimplemented<LeadWorkStore>('lead-work-store');
}

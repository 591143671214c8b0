import type { LeadStatsStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

/** `ownTransaction`: runs its callback in a REPEATABLE READ transaction of its own. */
export function createLeadStatsStore(_ctx: PgContext, _ownTransaction: <T>(fn: (ctx: PgContext) => Promise<T>) => Promise<T>): LeadStatsStore {
  return unimplemented<LeadStatsStore>('lead-stats-store');
}

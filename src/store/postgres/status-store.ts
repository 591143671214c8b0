import type { StatusStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createStatusStore(_ctx: PgContext): StatusStore {
  return unimplemented<StatusStore>('status-store');
}

import type { MaintenanceStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createMaintenanceStore(_ctx: PgContext): MaintenanceStore {
  return unimplemented<MaintenanceStore>('maintenance-store');
}

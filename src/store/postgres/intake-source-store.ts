import type { IntakeSourceStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createIntakeSourceStore(_ctx: PgContext): IntakeSourceStore {
  return unimplemented<IntakeSourceStore>('intake-source-store');
}

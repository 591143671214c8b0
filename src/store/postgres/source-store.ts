import type { SourceStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createSourceStore(_ctx: PgContext): SourceStore {
  return unimplemented<SourceStore>('source-store');
}

import type { NotificationStore } from '../port.js';
import type { PgContext } from './context.js';
import { unimplemented } from './unimplemented.js';

export function createNotificationStore(_ctx: PgContext): NotificationStore {
  return unimplemented<NotificationStore>('notification-store');
}

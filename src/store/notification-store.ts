// The notification outbox: every SMS and email is a row here before it is sent, so a crash between
// routing and delivery loses nothing. The delivery worker claims due rows one atomic UPDATE at a time.
import { and, asc, eq, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { preparedByShape } from './prepared-shapes.js';
import { withoutFsync } from './relaxed-sync.js';
import { notifications } from './schema.js';

export type NotificationRow = typeof notifications.$inferSelect;
export type NewNotification = typeof notifications.$inferInsert;

export function createNotificationStore(db: Db) {
  const earliestDue = db.select({ at: sql<number | null>`min(${notifications.nextAttemptAt})` }).from(notifications)
    .where(and(eq(notifications.status, 'PENDING'), isNotNull(notifications.nextAttemptAt))).prepare();
  const insert = preparedByShape((v) => db.insert(notifications).values(v as unknown as NewNotification).returning().prepare());

  return {
    /**
     * Writes messages to the outbox. Called in the routing transaction (a savepoint inside it), so the
     * rows commit with the offers they announce; alone, it is one transaction of its own.
     */
    enqueue(rows: NewNotification[]): NotificationRow[] {
      if (rows.length === 0) return [];
      return db.transaction(() => rows.map((row) => {
        const { statement, params } = insert(row);
        const inserted = statement.get(params);
        if (!inserted) throw new Error('notification insert returned nothing');
        return inserted;
      }));
    },

    /** PENDING messages due at `now` (id and attempts so far), oldest first. */
    due(now: Date, limit: number): { id: number; attempts: number }[] {
      return db.select({ id: notifications.id, attempts: notifications.attempts }).from(notifications)
        .where(and(eq(notifications.status, 'PENDING'), lte(notifications.nextAttemptAt, now)))
        .orderBy(asc(notifications.nextAttemptAt), asc(notifications.id)).limit(limit).all();
    },

    /**
     * Claims one due message for attempt number `attempts + 1`: counts the attempt and moves its next
     * attempt to `retryAt` in the same statement. Should the process die mid-send, the message is due
     * again at `retryAt` (at-least-once delivery). Null when someone else claimed it first.
     */
    claim(id: number, attempts: number, now: Date, retryAt: Date): NotificationRow | null {
      // Without its own fsync (relaxed-sync.ts): a claim lost to a power cut means one more send,
      // which at-least-once delivery allows.
      return withoutFsync(db, () => db.update(notifications)
        .set({ attempts: attempts + 1, nextAttemptAt: retryAt })
        .where(and(eq(notifications.id, id), eq(notifications.status, 'PENDING'), eq(notifications.attempts, attempts),
          lte(notifications.nextAttemptAt, now)))
        .returning().get() ?? null);
    },

    markSent(id: number, at: Date): void {
      // Lost to a power cut: the message is sent again (at-least-once), so no fsync of its own.
      withoutFsync(db, () => db.update(notifications).set({ status: 'SENT', sentAt: at, nextAttemptAt: null, lastError: null })
        .where(eq(notifications.id, id)).run());
    },

    /** A failed attempt: recorded; the message stays due at its claimed retry time unless it gave up. */
    markAttemptFailed(id: number, error: string, giveUp: boolean): void {
      db.update(notifications)
        .set(giveUp ? { status: 'FAILED', lastError: error, nextAttemptAt: null } : { lastError: error })
        .where(eq(notifications.id, id)).run();
    },

    /** The earliest next attempt of any PENDING message (ms), or null: what the worker arms for. */
    earliestDue(): number | null {
      const at = earliestDue.get()?.at;
      return at === null || at === undefined ? null : Number(at);
    },

    ofLead(leadId: number): NotificationRow[] {
      return db.select().from(notifications).where(eq(notifications.leadId, leadId))
        .orderBy(asc(notifications.id)).all();
    },

    find: (id: number): NotificationRow | null =>
      db.select().from(notifications).where(eq(notifications.id, id)).get() ?? null,
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;

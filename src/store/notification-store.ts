// The notification outbox: every SMS and email is a row here before it is sent, so a crash between
// routing and delivery loses nothing. The delivery worker claims due rows in batches, each row by one
// conditional UPDATE.
import { and, asc, eq, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { isInTransaction, transaction } from './transaction.js';
import { preparedByShape } from './prepared-shapes.js';
import { withoutFsync } from './relaxed-sync.js';
import { notifications } from './schema.js';

export type NotificationRow = typeof notifications.$inferSelect;
export type NewNotification = typeof notifications.$inferInsert;

export function createNotificationStore(db: Db) {
  const earliestDue = db.select({ at: sql<number | null>`min(${notifications.nextAttemptAt})` }).from(notifications)
    .where(and(eq(notifications.status, 'PENDING'), isNotNull(notifications.nextAttemptAt))).prepare();
  const dueRows = db.select({ id: notifications.id, attempts: notifications.attempts }).from(notifications)
    .where(and(eq(notifications.status, 'PENDING'), lte(notifications.nextAttemptAt, sql`${sql.placeholder('now')}`)))
    .orderBy(asc(notifications.nextAttemptAt), asc(notifications.id)).limit(sql.placeholder('limit')).prepare();
  // The claim is conditional (still PENDING, still this attempt, still due): of two claims one wins.
  const claimOne = db.update(notifications)
    .set({ attempts: sql`${sql.placeholder('next')}`, nextAttemptAt: sql`${sql.placeholder('retryAt')}` })
    .where(and(eq(notifications.id, sql.placeholder('id')), eq(notifications.status, 'PENDING'),
      eq(notifications.attempts, sql.placeholder('attempts')), lte(notifications.nextAttemptAt, sql`${sql.placeholder('now')}`)))
    .returning().prepare();
  const sentOne = db.update(notifications)
    .set({ status: 'SENT', sentAt: sql`${sql.placeholder('at')}`, nextAttemptAt: null, lastError: null })
    .where(eq(notifications.id, sql.placeholder('id'))).prepare();
  const insert = preparedByShape((v) => db.insert(notifications).values(v as unknown as NewNotification).returning().prepare());

  return {
    /**
     * Writes messages to the outbox. Called in the routing transaction (a savepoint inside it), so the
     * rows commit with the offers they announce; alone, it is one transaction of its own.
     */
    enqueue(rows: NewNotification[]): NotificationRow[] {
      if (rows.length === 0) return [];
      // In the routing transaction the listener's savepoint already holds these rows: no third level.
      const insertAll = () => rows.map((row) => {
        const { statement, params } = insert(row);
        const inserted = statement.get(params);
        if (!inserted) throw new Error('notification insert returned nothing');
        return inserted;
      });
      return isInTransaction(db) ? insertAll() : transaction(db, insertAll);
    },

    /**
     * Claims up to `limit` due messages (oldest first, none of `exclude`) for their next attempt:
     * each claim counts the attempt and moves the message's next attempt to `retryAt(attempt)`.
     * Should the process die mid-send, the message is due again then (at-least-once delivery).
     * One transaction for the batch, without an fsync of its own (relaxed-sync.ts): a claim lost to
     * a power cut means one more send, which at-least-once delivery allows.
     */
    claimDue(now: Date, limit: number, exclude: ReadonlySet<number>, retryAt: (attempt: number) => Date): NotificationRow[] {
      return withoutFsync(db, () => transaction(db, () => {
        const claimed: NotificationRow[] = [];
        for (const { id, attempts } of dueRows.all({ now: now.getTime(), limit: limit + exclude.size })) {
          if (exclude.has(id) || claimed.length === limit) continue;
          const row = claimOne.get({ id, attempts, next: attempts + 1, retryAt: retryAt(attempts + 1).getTime(), now: now.getTime() });
          if (row) claimed.push(row);
        }
        return claimed;
      }));
    },

    /** These messages were sent: one transaction, no fsync of its own (lost, they are sent again). */
    markSent(ids: readonly number[], at: Date): void {
      if (ids.length === 0) return;
      withoutFsync(db, () => transaction(db, () => {
        for (const id of ids) sentOne.run({ id, at: at.getTime() });
      }));
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

// The notification outbox: every SMS and email is a row here before it is sent, so a crash between
// routing and delivery loses nothing. The delivery worker claims due rows in batches, each row by one
// conditional UPDATE.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { clientOf, isInTransaction, transaction } from './transaction.js';
import { preparedInsert, preparedSelect } from './prepared-shapes.js';
import { withoutFsync } from './relaxed-sync.js';
import { notifications } from './schema.js';

type NotificationRow = typeof notifications.$inferSelect;
type NewNotification = typeof notifications.$inferInsert;

export function createNotificationStore(db: Db) {
  const client = clientOf(db);
  // The worker's statements run on the connection itself (prepared-shapes.ts): a delivery pass per
  // group commit made drizzle's per-row mapping a fifth of intake's in-process time (issue 6).
  const earliestDue = client.prepare(
    "SELECT min(next_attempt_at) FROM notifications WHERE status = 'PENDING' AND next_attempt_at IS NOT NULL").pluck();
  const dueRows = preparedSelect(db, notifications,
    "WHERE status = 'PENDING' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
  // The claim is conditional (still PENDING, still this attempt, still due): of two claims one wins.
  const claimOne = client.prepare(`UPDATE notifications SET attempts = ?, next_attempt_at = ?
    WHERE id = ? AND status = 'PENDING' AND attempts = ? AND next_attempt_at <= ?`);
  const sentOne = client.prepare(
    "UPDATE notifications SET status = 'SENT', sent_at = ?, next_attempt_at = NULL, last_error = NULL WHERE id = ?");
  const insert = preparedInsert(db, notifications);

  return {
    /**
     * Writes messages to the outbox. Called in the routing transaction (a savepoint inside it), so the
     * rows commit with the offers they announce; alone, it is one transaction of its own.
     */
    enqueue(rows: NewNotification[]): NotificationRow[] {
      if (rows.length === 0) return [];
      // In the routing transaction the listener's savepoint already holds these rows: no third level.
      const insertAll = () => rows.map(insert);
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
        for (const row of dueRows.all(now.getTime(), limit + exclude.size)) {
          if (exclude.has(row.id) || claimed.length === limit) continue;
          const next = retryAt(row.attempts + 1);
          if (claimOne.run(row.attempts + 1, next.getTime(), row.id, row.attempts, now.getTime()).changes === 1) {
            claimed.push({ ...row, attempts: row.attempts + 1, nextAttemptAt: next });
          }
        }
        return claimed;
      }));
    },

    /** These messages were sent: one transaction, no fsync of its own (lost, they are sent again). */
    markSent(ids: readonly number[], at: Date): void {
      if (ids.length === 0) return;
      withoutFsync(db, () => transaction(db, () => {
        for (const id of ids) sentOne.run(at.getTime(), id);
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
      const at = earliestDue.get() as number | null;
      return at === null ? null : Number(at);
    },

    ofLead(leadId: number): NotificationRow[] {
      return db.select().from(notifications).where(eq(notifications.leadId, leadId))
        .orderBy(asc(notifications.id)).all();
    },

    find: (id: number): NotificationRow | null =>
      db.select().from(notifications).where(eq(notifications.id, id)).get() ?? null,
  };
}


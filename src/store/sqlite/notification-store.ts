// The notification outbox: every SMS and email is a row here before it is sent, so a crash between
// routing and delivery loses nothing. The delivery worker claims due rows of one channel with one
// statement, sends each on its own, and records each outcome on its own.
//
// While a message is being sent, its next_attempt_at is its lease ("claimed until"): the claim moves
// it CLAIM lease ahead, so no other claim takes the message while the send runs, and a process that
// dies mid-send leaves it due again when the lease runs out (at-least-once delivery). The outcome
// ends the lease: SENT (no next attempt), or the retry time of the backoff, or FAILED. An outcome is
// written only if the message is still in the attempt it was claimed for (attempts is the fencing
// token), so a send that outlived its lease cannot overwrite a newer claim's. On PostgreSQL the
// claim becomes the same UPDATE over a `SELECT … FOR UPDATE SKIP LOCKED`.
import { asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { clientOf, isInTransaction, transaction } from './transaction.js';
import { preparedInsert, preparedReturning } from './prepared-shapes.js';
import { withoutFsync } from './relaxed-sync.js';
import { notifications } from './schema.js';

type NotificationRow = typeof notifications.$inferSelect;
type NewNotification = typeof notifications.$inferInsert;
type ChannelKind = NotificationRow['channel'];

export function createNotificationStore(db: Db) {
  const client = clientOf(db);
  // The worker's statements run on the connection itself (prepared-shapes.ts): a delivery pass per
  // group commit made drizzle's per-row mapping a fifth of intake's in-process time (issue 6).
  // Both read notifications_due (channel, next_attempt_at) of PENDING rows.
  const nextDue = client.prepare(`SELECT min(next_attempt_at) FROM notifications
    WHERE status = 'PENDING' AND channel = ? AND next_attempt_at > ?`).pluck();
  // One statement: of two claims on the same rows one wins, the other sees them not due. The second
  // form leaves out given ids (json_each of a JSON array); it is needed only rarely (claimDue).
  const claimSql = (exclude: string) => `UPDATE notifications SET attempts = attempts + 1, next_attempt_at = ?
    WHERE id IN (SELECT id FROM notifications
      WHERE status = 'PENDING' AND channel = ? AND next_attempt_at <= ?${exclude}
      ORDER BY next_attempt_at, id LIMIT ?)`;
  const claim = preparedReturning(db, notifications, claimSql(''));
  const claimExcluding = preparedReturning(db, notifications, claimSql(' AND id NOT IN (SELECT value FROM json_each(?))'));
  const sentOne = client.prepare(`UPDATE notifications SET status = 'SENT', sent_at = ?, next_attempt_at = NULL, last_error = NULL
    WHERE id = ? AND status = 'PENDING'`);
  const failedOne = client.prepare(`UPDATE notifications SET last_error = ?, next_attempt_at = ?,
      status = CASE WHEN ? THEN 'FAILED' ELSE status END
    WHERE id = ? AND status = 'PENDING' AND attempts = ?`);
  const insert = preparedInsert(db, notifications);
  // Per channel over the partial index notifications_due (PENDING rows only): cheap at scrape time.
  const pendingCounts = client.prepare(`SELECT channel, count(*) AS n FROM notifications
    WHERE status = 'PENDING' AND channel IN ('sms', 'email') GROUP BY channel`);

  const outbox = {
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
     * Claims up to `limit` messages of `channel` due at `now` (oldest first, none of `exclude`) for
     * their next attempt: counts the attempt and leases each until `leaseUntil`. `exclude` is what
     * this process is still sending although its lease has run out (rare: a send outlasts its lease
     * only if the process stalled). No fsync of its own (relaxed-sync.ts): a claim lost to a power
     * cut means one more send, which at-least-once delivery allows.
     */
    claimDue(channel: ChannelKind, now: Date, limit: number, exclude: readonly number[], leaseUntil: Date): NotificationRow[] {
      if (limit <= 0) return [];
      const rows = withoutFsync(db, () => (exclude.length === 0
        ? claim.all(leaseUntil.getTime(), channel, now.getTime(), limit)
        : claimExcluding.all(leaseUntil.getTime(), channel, now.getTime(), JSON.stringify(exclude), limit)));
      // RETURNING gives no order: send the oldest first.
      return rows.sort((a, b) => a.id - b.id);
    },

    /** As enqueue: in process, a statement costs no round trip to save. */
    enqueueAtCommit(rows: NewNotification[], written?: (rows: NotificationRow[]) => void): void {
      const inserted = outbox.enqueue(rows);
      written?.(inserted);
    },

    /** claimDue, then nextDueAfter in the same transaction (each a few µs here). */
    claimDueAndNext(channel: ChannelKind, now: Date, limit: number, exclude: readonly number[], leaseUntil: Date): { rows: NotificationRow[]; nextDueAfter: number | null } {
      const rows = outbox.claimDue(channel, now, limit, exclude, leaseUntil);
      return { rows, nextDueAfter: outbox.nextDueAfter(channel, now) };
    },

    /** The provider took these messages: SENT. No fsync of its own (lost, the messages are sent again). */
    markAllSent(ids: readonly number[], at: Date): void {
      if (ids.length === 0) return;
      withoutFsync(db, () => {
        for (const id of ids) sentOne.run(at.getTime(), id);
      });
    },

    /**
     * Attempt number `attempt` failed: recorded, and the message is due again at `retryAt`, or FAILED
     * for good when `retryAt` is null. Ignored if the message has been claimed again since.
     */
    markAttemptFailed(id: number, attempt: number, error: string, retryAt: Date | null): void {
      withoutFsync(db, () => failedOne.run(error, retryAt === null ? null : retryAt.getTime(), retryAt === null ? 1 : 0, id, attempt));
    },

    /** When the next message of `channel` falls due after `after` (ms), or null: what the worker arms for. */
    nextDueAfter(channel: ChannelKind, after: Date): number | null {
      const at = nextDue.get(channel, after.getTime()) as number | null;
      return at === null ? null : Number(at);
    },

    /** Messages waiting to be sent (PENDING, due or retrying), per channel: the outbox backlog metric. */
    pendingByChannel(): Record<ChannelKind, number> {
      const counts: Record<ChannelKind, number> = { sms: 0, email: 0 };
      for (const row of pendingCounts.all() as { channel: ChannelKind; n: number }[]) counts[row.channel] = row.n;
      return counts;
    },

    ofLead(leadId: number): NotificationRow[] {
      return db.select().from(notifications).where(eq(notifications.leadId, leadId))
        .orderBy(asc(notifications.id)).all();
    },

    find: (id: number): NotificationRow | null =>
      db.select().from(notifications).where(eq(notifications.id, id)).get() ?? null,
  };
  return outbox;
}


// The notification outbox on PostgreSQL (SQLite's is ../sqlite/notification-store.ts, whose header says
// how the outbox works: next_attempt_at is a claimed message's lease, attempts the fencing token).
//
// Several instances' delivery workers claim from one outbox at once, under READ COMMITTED. A claim is one
// UPDATE over `SELECT … FOR UPDATE SKIP LOCKED`: the rows another transaction is claiming right now are
// skipped rather than waited for, and a row whose claim committed meanwhile is checked again on its new
// version (due no more: its lease moved it ahead), so two workers never get the same message and never wait
// for each other. Outcomes are guarded as on SQLite: only a PENDING message changes, and a failure only
// while the message is still in the attempt it was claimed for.
import { and, asc, eq, getTableColumns, gt, min, sql, type SQL } from 'drizzle-orm';
import type { NotificationStore } from '../port.js';
import type { NewNotification, NotificationChannel, NotificationRow } from '../rows.js';
import type { PgContext } from './context.js';
import type pg from 'pg';
import { sendWithCommit } from './commit-batch.js';
import { clientOf, intArray, rowMapper, rowsJson } from './prebuilt.js';
import { notifications } from './schema.js';

const NOTIFICATION_COLUMNS = getTableColumns(notifications);
const notificationFromRaw = rowMapper<NotificationRow>(NOTIFICATION_COLUMNS);
const INSERT_COLUMNS = Object.values(NOTIFICATION_COLUMNS).filter((c) => c.name !== 'id').map((c) => `"${c.name}"`).join(', ');
/** The outbox insert around its rows (one JSON value, rowsJson): a parameter (enqueue) or a literal (enqueueAtCommit). */
const INSERT_HEAD = `INSERT INTO notifications (${INSERT_COLUMNS}) SELECT ${INSERT_COLUMNS} FROM json_populate_recordset(NULL::notifications, `;
const INSERT_TAIL = '::json) WITH ORDINALITY ORDER BY ordinality';

/**
 * The claim (claimDue): up to `limit` due messages of `channel`, oldest first, none of `exclude`, get
 * their attempt counted and are leased until `leaseUntil`. An UPDATE … RETURNING *, for a WITH or alone.
 */
function claimStatement(channel: NotificationChannel, now: Date, limit: number, exclude: readonly number[], leaseUntil: Date): SQL {
  // `exclude` is what this process is still sending past its lease (rare): empty almost always.
  const notExcluded = exclude.length === 0 ? sql`` : sql`AND n.id <> ALL(${intArray(exclude)})`;
  return sql`UPDATE ${notifications} SET attempts = attempts + 1, next_attempt_at = ${leaseUntil}::timestamptz
    WHERE id IN (SELECT n.id FROM ${notifications} n
      WHERE n.status = 'PENDING' AND n.channel = ${channel} AND n.next_attempt_at <= ${now}::timestamptz ${notExcluded}
      ORDER BY n.next_attempt_at, n.id LIMIT ${Math.max(0, limit)}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`;
}

export function createNotificationStore(ctx: PgContext): NotificationStore {
  // Every method is async: a statement refused after its transaction ended (ctx.db refuses it) is a rejection.
  const store: NotificationStore = {
    async enqueue(rows: NewNotification[]): Promise<NotificationRow[]> {
      if (rows.length === 0) return [];
      // One multi-row INSERT: atomic on its own, and in the caller's transaction when there is one. Rows
      // as JSON: one text for any number of rows (prebuilt.ts rowsJson), built without drizzle's builder.
      const { rows: inserted } = await ctx.db.execute<Record<string, unknown>>(
        sql`${sql.raw(INSERT_HEAD)}${rowsJson(NOTIFICATION_COLUMNS, rows)}${sql.raw(INSERT_TAIL)} RETURNING *`);
      return inserted.map(notificationFromRaw).sort((a, b) => a.id - b.id);
    },

    async enqueueAtCommit(rows: NewNotification[], written?: (rows: NotificationRow[]) => void): Promise<void> {
      if (rows.length === 0) return;
      if (!ctx.commitBatch) {
        const inserted = await store.enqueue(rows);
        written?.(inserted);
        return;
      }
      // The same insert as enqueue's, its rows a quoted literal (a statement sent with the COMMIT has
      // no parameters): escapeLiteral doubles quotes and backslashes, whatever the text holds.
      const client = clientOf(ctx.db) as pg.PoolClient;
      const insert = `${INSERT_HEAD}${client.escapeLiteral(rowsJson(NOTIFICATION_COLUMNS, rows))}${INSERT_TAIL}`;
      if (!written) {
        sendWithCommit(client, insert);
        return;
      }
      sendWithCommit(client, `${insert} RETURNING *`, (result) => {
        written(result.rows.map((r) => notificationFromRaw(r as Record<string, unknown>)).sort((a, b) => a.id - b.id));
      });
    },

    async claimDue(channel: NotificationChannel, now: Date, limit: number, exclude: readonly number[], leaseUntil: Date): Promise<NotificationRow[]> {
      if (limit <= 0) return [];
      // One UPDATE over `SELECT … FOR UPDATE SKIP LOCKED` (see the top of this file).
      const { rows } = await ctx.db.execute<Record<string, unknown>>(claimStatement(channel, now, limit, exclude, leaseUntil));
      // RETURNING gives no order: send the oldest first.
      return rows.map(notificationFromRaw).sort((a, b) => a.id - b.id);
    },

    async claimDueAndNext(channel: NotificationChannel, now: Date, limit: number, exclude: readonly number[], leaseUntil: Date) {
      // The claim (as claimDue) and the next due time in one statement. The sibling min() reads the
      // statement's snapshot, where the claimed rows still have their old (due) times: they are left
      // out, and their new lease counts instead. One row even when nothing was claimed (LEFT JOIN).
      const { rows } = await ctx.db.execute<Record<string, unknown> & { next_due: number | null }>(sql`WITH claimed AS (
          ${claimStatement(channel, now, limit, exclude, leaseUntil)}),
        next AS (SELECT (extract(epoch FROM least(
          (SELECT min(next_attempt_at) FROM ${notifications} WHERE status = 'PENDING' AND channel = ${channel}
            AND next_attempt_at > ${now}::timestamptz AND id NOT IN (SELECT id FROM claimed)),
          (SELECT ${leaseUntil}::timestamptz WHERE EXISTS (SELECT 1 FROM claimed)))) * 1000)::float8 AS next_due)
        SELECT claimed.*, next.next_due FROM next LEFT JOIN claimed ON true`);
      const claimed = rows.filter((r) => r.id !== null).map(notificationFromRaw).sort((a, b) => a.id - b.id);
      return { rows: claimed, nextDueAfter: rows[0]?.next_due ?? null };
    },

    async markAllSent(ids: readonly number[], at: Date): Promise<void> {
      if (ids.length === 0) return;
      // One statement for the outcomes of a turn: the ids as one array parameter, so one text for any count.
      await ctx.db.execute(sql`UPDATE ${notifications} SET status = 'SENT', sent_at = ${at}::timestamptz, next_attempt_at = NULL, last_error = NULL
        WHERE id = ANY(${intArray(ids)}) AND status = 'PENDING'`);
    },

    async markAttemptFailed(id: number, attempt: number, error: string, retryAt: Date | null): Promise<void> {
      await ctx.db.update(notifications)
        .set({ lastError: error, nextAttemptAt: retryAt, ...(retryAt === null ? { status: 'FAILED' as const } : {}) })
        .where(and(eq(notifications.id, id), eq(notifications.status, 'PENDING'), eq(notifications.attempts, attempt)));
    },

    async nextDueAfter(channel: NotificationChannel, after: Date): Promise<number | null> {
      // Over the partial index notifications_due (channel, next_attempt_at) of PENDING rows.
      const [row] = await ctx.db.select({ at: min(notifications.nextAttemptAt) }).from(notifications)
        .where(and(eq(notifications.status, 'PENDING'), eq(notifications.channel, channel), gt(notifications.nextAttemptAt, after)));
      return row?.at ? row.at.getTime() : null;
    },

    async pendingByChannel(): Promise<Record<NotificationChannel, number>> {
      const counts: Record<NotificationChannel, number> = { sms: 0, email: 0 };
      const rows = await ctx.db.select({ channel: notifications.channel, n: sql<number>`count(*)::int` }).from(notifications)
        .where(eq(notifications.status, 'PENDING')).groupBy(notifications.channel);
      for (const row of rows) counts[row.channel] = row.n;
      return counts;
    },

    async ofLead(leadId: number): Promise<NotificationRow[]> {
      return ctx.db.select().from(notifications).where(eq(notifications.leadId, leadId)).orderBy(asc(notifications.id));
    },

    async find(id: number): Promise<NotificationRow | null> {
      const [row] = await ctx.db.select().from(notifications).where(eq(notifications.id, id));
      return row ?? null;
    },
  };
  return store;
}

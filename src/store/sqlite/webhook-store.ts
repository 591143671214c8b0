// Webhooks and their delivery outbox on SQLite (the port's WebhookStore says what each method does).
//
// The webhook list is read for every lead change, and almost never changes: it is cached here, per
// connection, as the roster is (roster-cache.ts). A write drops the copy, and nothing is cached until
// the writing transaction has ended (it may still roll back). SQLite has one process per database
// file, so no other instance can change the list unheard.
//
// Claims run in the delivery worker's transaction (one writer at a time): the candidates are read,
// the per-webhook bound applied here, and the chosen rows leased with one UPDATE … RETURNING.
import { and, asc, desc, eq, gt, inArray, lt, lte, min, notInArray, sql } from 'drizzle-orm';
import type { NewWebhook, NewWebhookDelivery, WebhookDeliveryRow, WebhookRow } from '../rows.js';
import { CANDIDATES_PER_CLAIM, fullWebhooks, pickClaims, webhookOf } from '../webhook-claims.js';
import type { SqliteConnection } from './connection.js';
import { transaction } from './transaction.js';
import { webhookDeliveries, webhooks } from './schema.js';

/** The PENDING deliveries after `id` of the same webhook and lead, due before `at`. */
function laterOfSamePair(id: number, at: Date) {
  return and(
    eq(webhookDeliveries.status, 'PENDING'),
    gt(webhookDeliveries.id, id),
    lt(webhookDeliveries.nextAttemptAt, at),
    sql`${webhookDeliveries.webhookId} = (SELECT d.webhook_id FROM webhook_deliveries d WHERE d.id = ${id})`,
    sql`${webhookDeliveries.leadId} = (SELECT d.lead_id FROM webhook_deliveries d WHERE d.id = ${id})`,
  );
}

export function createWebhookStore(conn: SqliteConnection) {
  const { db } = conn;
  let cached: readonly WebhookRow[] | null = null;
  /** Webhook writes in transactions not ended yet: nothing is cached meanwhile. */
  let unsettled = 0;

  function listChanged(): void {
    cached = null;
    const inTransaction = conn.whenTransactionEnds(() => {
      unsettled--;
      cached = null;
    });
    if (inTransaction) unsettled++;
  }

  return {
    insertWebhook(row: NewWebhook): WebhookRow {
      const inserted = db.insert(webhooks).values({ ...row, eventTypes: JSON.stringify(row.eventTypes) }).returning().get();
      listChanged();
      return webhookOf(inserted);
    },

    deleteWebhook(id: number): boolean {
      // Its deliveries go with it, in one transaction: a pending one is never sent.
      const gone = transaction(db, () => {
        db.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id)).run();
        return db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id }).all();
      });
      listChanged();
      return gone.length > 0;
    },

    listWebhooks(): readonly WebhookRow[] {
      if (cached) return cached;
      const rows: readonly WebhookRow[] = db.select().from(webhooks).orderBy(asc(webhooks.id)).all().map(webhookOf);
      if (unsettled === 0) cached = rows;
      return rows;
    },

    findWebhook(id: number): WebhookRow | null {
      const row = db.select().from(webhooks).where(eq(webhooks.id, id)).get();
      return row ? webhookOf(row) : null;
    },

    enqueueDeliveries(rows: NewWebhookDelivery[]): void {
      if (rows.length === 0) return;
      // One multi-row INSERT for the whole change (in its transaction).
      db.insert(webhookDeliveries).values(rows).run();
    },

    claimDueDeliveries(now: Date, limit: number, perWebhook: number, exclude: readonly number[], inFlight: ReadonlyMap<number, number>,
      leaseUntil: Date): WebhookDeliveryRow[] {
      if (limit <= 0) return [];
      const skipWebhooks = fullWebhooks(inFlight, perWebhook);
      const candidates = db.select({ id: webhookDeliveries.id, webhookId: webhookDeliveries.webhookId }).from(webhookDeliveries)
        .where(and(
          eq(webhookDeliveries.status, 'PENDING'),
          lte(webhookDeliveries.nextAttemptAt, now),
          exclude.length > 0 ? notInArray(webhookDeliveries.id, [...exclude]) : undefined,
          skipWebhooks.length > 0 ? notInArray(webhookDeliveries.webhookId, [...skipWebhooks]) : undefined,
          // In order per webhook and lead: an earlier delivery still PENDING goes first.
          sql`NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = ${webhookDeliveries.webhookId}
            AND e.lead_id = ${webhookDeliveries.leadId} AND e.status = 'PENDING' AND e.id < ${webhookDeliveries.id})`,
        ))
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id))
        .limit(limit * CANDIDATES_PER_CLAIM).all();
      const ids = pickClaims(candidates, limit, perWebhook, inFlight);
      if (ids.length === 0) return [];
      const rows = db.update(webhookDeliveries)
        .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, nextAttemptAt: leaseUntil })
        .where(inArray(webhookDeliveries.id, ids)).returning().all();
      return rows.sort((a, b) => a.id - b.id);
    },

    markDelivered(id: number, attempt: number, responseStatus: number, at: Date): void {
      db.update(webhookDeliveries)
        .set({ status: 'DELIVERED', responseStatus, deliveredAt: at, nextAttemptAt: null, lastError: null })
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'PENDING'), eq(webhookDeliveries.attempts, attempt))).run();
    },

    markDeliveryFailed(id: number, attempt: number, responseStatus: number | null, error: string, retryAt: Date | null): void {
      const { changes } = db.update(webhookDeliveries)
        .set({ responseStatus, lastError: error, nextAttemptAt: retryAt, ...(retryAt === null ? { status: 'FAILED' as const } : {}) })
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'PENDING'), eq(webhookDeliveries.attempts, attempt))).run();
      // The lead's later deliveries to this webhook wait for this one: not due before its retry, so that
      // claims do not read them over and over meanwhile.
      if (changes > 0 && retryAt !== null) db.update(webhookDeliveries).set({ nextAttemptAt: retryAt }).where(laterOfSamePair(id, retryAt)).run();
    },

    nextDeliveryDueAfter(after: Date): number | null {
      const row = db.select({ at: min(webhookDeliveries.nextAttemptAt) }).from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.status, 'PENDING'), gt(webhookDeliveries.nextAttemptAt, after))).get();
      return row?.at ? row.at.getTime() : null;
    },

    recentDeliveries(webhookId: number, limit: number): WebhookDeliveryRow[] {
      return db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId))
        .orderBy(desc(webhookDeliveries.id)).limit(limit).all();
    },
  };
}

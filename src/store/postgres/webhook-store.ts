// Webhooks and their delivery outbox on PostgreSQL (SQLite's is ../sqlite/webhook-store.ts; the port's
// WebhookStore says what each method does).
//
// The webhook list is cached per store (context.ts ListenedCache): every write sends the 'webhooks'
// signal in its transaction, so every instance drops its copy when the write commits, and nothing is
// cached while this instance does not hear the signals.
//
// Several instances' workers claim from one outbox at once: the candidates are read `FOR UPDATE SKIP
// LOCKED` (rows another claim holds are passed over, not waited for; a row whose claim committed
// meanwhile is checked again on its new version, due no more), then the chosen ones are leased. So each
// delivery is attempted by one instance at a time. Outcomes are guarded by status and attempt.
import { and, asc, desc, eq, gt, inArray, lt, lte, min, notInArray, sql } from 'drizzle-orm';
import type { WebhookStore } from '../port.js';
import type { NewWebhook, NewWebhookDelivery, WebhookDeliveryRow, WebhookRow } from '../rows.js';
import { CANDIDATES_PER_CLAIM, fullWebhooks, pickClaims, webhookOf } from '../webhook-claims.js';
import type { PgContext } from './context.js';
import { webhookDeliveries, webhooks } from './schema.js';

export function createWebhookStore(ctx: PgContext): WebhookStore {
  return {
    async insertWebhook(row: NewWebhook): Promise<WebhookRow> {
      return ctx.atomically(async (tx) => {
        const [inserted] = await tx.db.insert(webhooks).values({ ...row, eventTypes: JSON.stringify(row.eventTypes) }).returning();
        if (!inserted) throw new Error('the webhook was not inserted');
        await tx.webhooksChanged();
        return webhookOf(inserted);
      });
    },

    async deleteWebhook(id: number): Promise<boolean> {
      return ctx.atomically(async (tx) => {
        // Its deliveries go with it: a pending one is never sent.
        await tx.db.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id));
        const gone = await tx.db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
        await tx.webhooksChanged();
        return gone.length > 0;
      });
    },

    listWebhooks(): Promise<readonly WebhookRow[]> {
      const load = async () => (await ctx.db.select().from(webhooks).orderBy(asc(webhooks.id))).map(webhookOf);
      // A transaction that wrote the list itself reads it fresh (ListenedCache keeps nothing meanwhile).
      return ctx.shared.webhooks.get(load);
    },

    async findWebhook(id: number): Promise<WebhookRow | null> {
      const [row] = await ctx.db.select().from(webhooks).where(eq(webhooks.id, id));
      return row ? webhookOf(row) : null;
    },

    async enqueueDeliveries(rows: NewWebhookDelivery[]): Promise<void> {
      if (rows.length === 0) return;
      // One multi-row INSERT for the whole change, in its transaction.
      await ctx.db.insert(webhookDeliveries).values(rows);
    },

    async claimDueDeliveries(now: Date, limit: number, perWebhook: number, exclude: readonly number[], inFlight: ReadonlyMap<number, number>,
      leaseUntil: Date): Promise<WebhookDeliveryRow[]> {
      if (limit <= 0) return [];
      const skipWebhooks = fullWebhooks(inFlight, perWebhook);
      return ctx.atomically(async (tx) => {
        const candidates = await tx.db.select({ id: webhookDeliveries.id, webhookId: webhookDeliveries.webhookId }).from(webhookDeliveries)
          .where(and(
            eq(webhookDeliveries.status, 'PENDING'),
            lte(webhookDeliveries.nextAttemptAt, now),
            exclude.length > 0 ? notInArray(webhookDeliveries.id, [...exclude]) : undefined,
            skipWebhooks.length > 0 ? notInArray(webhookDeliveries.webhookId, [...skipWebhooks]) : undefined,
            // In order per webhook and lead: an earlier delivery still PENDING (claimed or not) goes first.
            sql`NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = ${webhookDeliveries.webhookId}
              AND e.lead_id = ${webhookDeliveries.leadId} AND e.status = 'PENDING' AND e.id < ${webhookDeliveries.id})`,
          ))
          .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id))
          .limit(limit * CANDIDATES_PER_CLAIM)
          .for('update', { skipLocked: true });
        const ids = pickClaims(candidates, limit, perWebhook, inFlight);
        if (ids.length === 0) return [];
        const rows = await tx.db.update(webhookDeliveries)
          .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, nextAttemptAt: leaseUntil })
          .where(inArray(webhookDeliveries.id, ids)).returning();
        return rows.sort((a, b) => a.id - b.id);
      });
    },

    async markDelivered(id: number, attempt: number, responseStatus: number, at: Date): Promise<void> {
      await ctx.db.update(webhookDeliveries)
        .set({ status: 'DELIVERED', responseStatus, deliveredAt: at, nextAttemptAt: null, lastError: null })
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'PENDING'), eq(webhookDeliveries.attempts, attempt)));
    },

    async markDeliveryFailed(id: number, attempt: number, responseStatus: number | null, error: string, retryAt: Date | null): Promise<void> {
      await ctx.atomically(async (tx) => {
        const failed = await tx.db.update(webhookDeliveries)
          .set({ responseStatus, lastError: error, nextAttemptAt: retryAt, ...(retryAt === null ? { status: 'FAILED' as const } : {}) })
          .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'PENDING'), eq(webhookDeliveries.attempts, attempt)))
          .returning({ webhookId: webhookDeliveries.webhookId, leadId: webhookDeliveries.leadId });
        const [pair] = failed;
        if (!pair || retryAt === null) return;
        // The lead's later deliveries to this webhook wait for this one: not due before its retry, so that
        // claims do not read them over and over meanwhile.
        await tx.db.update(webhookDeliveries).set({ nextAttemptAt: retryAt }).where(and(
          eq(webhookDeliveries.status, 'PENDING'), eq(webhookDeliveries.webhookId, pair.webhookId), eq(webhookDeliveries.leadId, pair.leadId),
          gt(webhookDeliveries.id, id), lt(webhookDeliveries.nextAttemptAt, retryAt),
        ));
      });
    },

    async nextDeliveryDueAfter(after: Date): Promise<number | null> {
      const [row] = await ctx.db.select({ at: min(webhookDeliveries.nextAttemptAt) }).from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.status, 'PENDING'), gt(webhookDeliveries.nextAttemptAt, after)));
      return row?.at ? row.at.getTime() : null;
    },

    async recentDeliveries(webhookId: number, limit: number): Promise<WebhookDeliveryRow[]> {
      return ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId))
        .orderBy(desc(webhookDeliveries.id)).limit(limit);
    },
  };
}

// Status codes on PostgreSQL (SQLite's are in ../sqlite/status-store.ts): the ordered list a lead's status
// is chosen from, with exactly one default.
//
// The writes that depend on the other codes (a new code's position after the last, the one default, a
// new order) take one transaction-scoped advisory lock first, held to the end of the caller's
// transaction. Under READ COMMITTED two instances would otherwise both read the same max(position) and
// append two codes at one position, or, making two different codes the default at once, each clear the
// other's old default and leave two (or deadlock on each other's rows).
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { StatusStore } from '../port.js';
import type { StatusCodeRow } from '../rows.js';
import type { PgContext, PgExecutor } from './context.js';
import { statusCodes } from './schema.js';

/** Serializes the writes to the status codes' order and default (in the caller's transaction). */
async function lockStatusCodeList(db: PgExecutor): Promise<void> {
  await db.execute(sql`SELECT pg_advisory_xact_lock(hashtext('status_codes'))`);
}

export function createStatusStore(ctx: PgContext): StatusStore {
  // ctx.db is read per call, never kept: a transaction's context refuses statements once it has ended.
  return {
    async defaultStatusCodeId(): Promise<number | null> {
      // Cached (context.ts): every new lead reads it; the writes below drop it on every instance.
      return ctx.shared.roster.entry('defaultStatus', async () => {
        const [row] = await ctx.db.select({ id: statusCodes.id }).from(statusCodes)
          .where(and(eq(statusCodes.isDefault, true), eq(statusCodes.archived, false)));
        return row?.id ?? null;
      });
    },

    async findStatusCode(id: number): Promise<StatusCodeRow | null> {
      const [row] = await ctx.db.select().from(statusCodes).where(eq(statusCodes.id, id));
      return row ?? null;
    },

    async listStatusCodes(includeArchived: boolean): Promise<StatusCodeRow[]> {
      return ctx.db.select().from(statusCodes)
        .where(includeArchived ? undefined : eq(statusCodes.archived, false))
        .orderBy(asc(statusCodes.position), asc(statusCodes.id));
    },

    async findActiveByName(name: string, exceptId?: number): Promise<StatusCodeRow | null> {
      const [row] = await ctx.db.select().from(statusCodes).where(and(
        eq(statusCodes.name, name),
        eq(statusCodes.archived, false),
        exceptId === undefined ? undefined : ne(statusCodes.id, exceptId),
      )).limit(1);
      return row ?? null;
    },

    async insertStatusCodeLast(name: string): Promise<StatusCodeRow> {
      return ctx.atomically(async ({ db }) => {
        await lockStatusCodeList(db);
        // Read after the lock, in a snapshot of its own: it sees the code the previous holder appended.
        const [row] = await db.insert(statusCodes)
          .values({ name, position: sql`(SELECT coalesce(max(${statusCodes.position}), 0) + 1 FROM ${statusCodes})` })
          .returning();
        if (!row) throw new Error('status code insert returned nothing');
        return row;
      });
    },

    async updateStatusCode(id: number, patch: { name?: string; archived?: boolean }): Promise<void> {
      if (Object.keys(patch).length === 0) return;
      await ctx.atomically(async (tx) => {
        await tx.db.update(statusCodes).set(patch).where(eq(statusCodes.id, id));
        // Archiving the default leaves new leads without one: the cached default goes.
        await tx.rosterChanged();
      });
    },

    async makeDefault(id: number): Promise<void> {
      return ctx.atomically(async (tx) => {
        await lockStatusCodeList(tx.db);
        await tx.db.update(statusCodes).set({ isDefault: false }).where(and(ne(statusCodes.id, id), eq(statusCodes.isDefault, true)));
        await tx.db.update(statusCodes).set({ isDefault: true }).where(eq(statusCodes.id, id));
        await tx.rosterChanged();
      });
    },

    async setPositions(idsInOrder: readonly number[]): Promise<void> {
      if (idsInOrder.length === 0) return;
      return ctx.atomically(async ({ db }) => {
        await lockStatusCodeList(db);
        // One statement for the whole order: each id with its 1-based place in the list.
        const values = idsInOrder.map((id, i) => sql`(${id}::int, ${i + 1}::int)`);
        await db.execute(sql`UPDATE ${statusCodes} AS s SET position = v.position
          FROM (VALUES ${sql.join(values, sql`, `)}) AS v(id, position) WHERE s.id = v.id`);
      });
    },
  };
}

// Status codes: the ordered list a lead's status is chosen from, with exactly one default.
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { statusCodes } from './schema.js';

type StatusCodeRow = typeof statusCodes.$inferSelect;

export function createStatusStore(db: Db) {
  // Every new lead asks for the default: prepared once.
  const defaultCode = db.select({ id: statusCodes.id }).from(statusCodes)
    .where(and(eq(statusCodes.isDefault, true), eq(statusCodes.archived, false))).prepare();

  return {
    /** The code new leads get; null only on a database that was never seeded. */
    defaultStatusCodeId: (): number | null => defaultCode.get()?.id ?? null,

    findStatusCode(id: number): StatusCodeRow | null {
      return db.select().from(statusCodes).where(eq(statusCodes.id, id)).get() ?? null;
    },

    listStatusCodes(includeArchived: boolean): StatusCodeRow[] {
      return db.select().from(statusCodes)
        .where(includeArchived ? undefined : eq(statusCodes.archived, false))
        .orderBy(asc(statusCodes.position), asc(statusCodes.id)).all();
    },

    /** A non-archived code with this name, other than `exceptId`. */
    findActiveByName(name: string, exceptId?: number): StatusCodeRow | null {
      return db.select().from(statusCodes).where(and(
        eq(statusCodes.name, name),
        eq(statusCodes.archived, false),
        exceptId === undefined ? undefined : ne(statusCodes.id, exceptId),
      )).get() ?? null;
    },

    /** Appends a code after every other one (position max + 1). */
    insertStatusCodeLast(name: string): StatusCodeRow {
      const last = db.select({ max: sql<number | null>`max(${statusCodes.position})` }).from(statusCodes).get();
      return db.insert(statusCodes).values({ name, position: (last?.max ?? 0) + 1 }).returning().get();
    },

    updateStatusCode(id: number, patch: { name?: string; archived?: boolean }): void {
      if (Object.keys(patch).length > 0) db.update(statusCodes).set(patch).where(eq(statusCodes.id, id)).run();
    },

    /** Makes `id` the one default. Run inside a transaction so there is never zero or two. */
    makeDefault(id: number): void {
      db.update(statusCodes).set({ isDefault: false }).where(ne(statusCodes.id, id)).run();
      db.update(statusCodes).set({ isDefault: true }).where(eq(statusCodes.id, id)).run();
    },

    /** Positions become 1..n in the order given. */
    setPositions(idsInOrder: readonly number[]): void {
      idsInOrder.forEach((id, i) => {
        db.update(statusCodes).set({ position: i + 1 }).where(eq(statusCodes.id, id)).run();
      });
    },
  };
}


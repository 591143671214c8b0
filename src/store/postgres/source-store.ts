// Lead sources and the offices they route to on PostgreSQL (SQLite's are in ../sqlite/source-store.ts).
import { asc, eq, inArray } from 'drizzle-orm';
import type { SourceStore } from '../port.js';
import type { LeadSourcePatch, LeadSourceRow, LeadSourceWithOffices, NewLeadSource } from '../rows.js';
import { byteOrder } from './byte-order.js';
import type { PgContext, PgExecutor } from './context.js';
import { leadSourceOffices, leadSources } from './schema.js';

export function createSourceStore(ctx: PgContext): SourceStore {
  // ctx.db is read per call, never kept: a transaction's context refuses statements once it has ended.
  async function withOffices(exec: PgExecutor, row: LeadSourceRow | undefined): Promise<LeadSourceWithOffices | null> {
    if (!row) return null;
    const links = await exec.select({ officeId: leadSourceOffices.officeId }).from(leadSourceOffices)
      .where(eq(leadSourceOffices.sourceId, row.id)).orderBy(asc(leadSourceOffices.officeId));
    return { ...row, officeIds: links.map((l) => l.officeId) };
  }

  async function setSourceOffices(tx: PgExecutor, sourceId: number, officeIds: readonly number[]): Promise<void> {
    await tx.delete(leadSourceOffices).where(eq(leadSourceOffices.sourceId, sourceId));
    if (officeIds.length > 0) await tx.insert(leadSourceOffices).values(officeIds.map((officeId) => ({ sourceId, officeId })));
  }

  /** Callers get a copy of a cached source they may change. */
  const copy = (s: LeadSourceWithOffices | null): LeadSourceWithOffices | null => (s ? { ...s, officeIds: [...s.officeIds] } : null);

  return {
    // Both finds are cached (context.ts): routing reads the source for every lead, and the writes
    // below drop the cache on every instance. rrLastAgentId is not kept fresh by that (routing moves it
    // for every lead): it is read with LeadStore.sourceAnchor / lockSourceRotation, never from here.
    async findSource(id: number): Promise<LeadSourceWithOffices | null> {
      return copy(await ctx.shared.roster.entry(`source:${id}`, async () => {
        const [row] = await ctx.db.select().from(leadSources).where(eq(leadSources.id, id));
        return withOffices(ctx.db, row);
      }));
    },

    async findSourceByPublicKey(key: string): Promise<LeadSourceWithOffices | null> {
      return copy(await ctx.shared.roster.entry(`sourceKey:${key}`, async () => {
        const [row] = await ctx.db.select().from(leadSources).where(eq(leadSources.publicKey, key));
        return withOffices(ctx.db, row);
      }));
    },

    async publicKeyTaken(key: string): Promise<boolean> {
      const [row] = await ctx.db.select({ id: leadSources.id }).from(leadSources).where(eq(leadSources.publicKey, key));
      return row !== undefined;
    },

    /** Two queries, whatever the number of sources. */
    async listSources(): Promise<LeadSourceWithOffices[]> {
      const rows = await ctx.db.select().from(leadSources).orderBy(byteOrder(leadSources.name), asc(leadSources.id));
      if (rows.length === 0) return [];
      const links = await ctx.db.select().from(leadSourceOffices)
        .where(inArray(leadSourceOffices.sourceId, rows.map((r) => r.id)))
        .orderBy(asc(leadSourceOffices.officeId));
      const bySource = new Map<number, number[]>(rows.map((r) => [r.id, []]));
      for (const l of links) bySource.get(l.sourceId)?.push(l.officeId);
      return rows.map((r) => ({ ...r, officeIds: bySource.get(r.id) ?? [] }));
    },

    async insertSource(row: NewLeadSource, officeIds: readonly number[]): Promise<LeadSourceWithOffices> {
      return ctx.atomically(async (txCtx) => {
        const tx = txCtx.db;
        const [inserted] = await tx.insert(leadSources).values(row).returning();
        if (!inserted) throw new Error('lead source insert returned nothing');
        await setSourceOffices(tx, inserted.id, officeIds);
        await txCtx.rosterChanged();
        return { ...inserted, officeIds: [...officeIds] };
      });
    },

    async updateSource(id: number, patch: LeadSourcePatch, officeIds: readonly number[] | null): Promise<LeadSourceWithOffices | null> {
      return ctx.atomically(async (txCtx) => {
        const tx = txCtx.db;
        if (Object.keys(patch).length > 0) await tx.update(leadSources).set(patch).where(eq(leadSources.id, id));
        if (officeIds !== null) await setSourceOffices(tx, id, officeIds);
        await txCtx.rosterChanged();
        const [row] = await tx.select().from(leadSources).where(eq(leadSources.id, id));
        return withOffices(tx, row);
      });
    },
  };
}

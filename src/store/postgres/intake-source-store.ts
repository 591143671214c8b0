// Built-in lead sources the server creates for itself on first use ("Forwarded email"), on PostgreSQL
// (SQLite's are in ../sqlite/intake-source-store.ts). Found by name, so an admin can tune its routing
// rules like any other source's (and rename it away to have a fresh one made).
import { randomBytes } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { IntakeSourceStore } from '../port.js';
import type { LeadSourceRow, NewLeadSource } from '../rows.js';
import type { PgContext } from './context.js';
import { leads, leadSources } from './schema.js';

export function createIntakeSourceStore(ctx: PgContext): IntakeSourceStore {
  return {
    /**
     * Names are not unique, so no constraint stops two instances that both found none from inserting
     * one each. A transaction-scoped advisory lock on the name makes the look-up and the insert one
     * step: the second caller waits for the first to commit, and its look-up (a new snapshot under
     * READ COMMITTED) then finds the source the first made.
     */
    async ensureSource(name: string, defaults: Partial<Omit<NewLeadSource, 'name' | 'publicKey'>>): Promise<LeadSourceRow> {
      return ctx.atomically(async ({ db }) => {
        await db.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`ensureSource:${name}`}))`);
        const [existing] = await db.select().from(leadSources).where(eq(leadSources.name, name))
          .orderBy(asc(leadSources.id)).limit(1);
        if (existing) return existing;
        // Its public key is as unguessable as any other source's: whoever held it could submit
        // direct, auto-accepted leads to any agent.
        const [inserted] = await db.insert(leadSources).values({
          ...defaults, name, publicKey: `src_${randomBytes(24).toString('base64url')}`,
        }).returning();
        if (!inserted) throw new Error('lead source insert returned nothing');
        return inserted;
      });
    },

    async findLeadIdFor(sourceId: number, externalId: string, targetUserId: number): Promise<number | null> {
      const [row] = await ctx.db.select({ id: leads.id }).from(leads)
        .where(and(eq(leads.sourceId, sourceId), eq(leads.externalId, externalId), eq(leads.targetUserId, targetUserId)));
      return row?.id ?? null;
    },
  };
}

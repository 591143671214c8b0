// Built-in lead sources that the server creates for itself on first use, such as "Forwarded email"
// for leads forwarded to <handle>.leads@<domain>. Found by name, so an admin can tune its routing
// rules like any other source's (and rename it away to have a fresh one made).
import { randomBytes } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { leadSources, leads } from './schema.js';

type IntakeSourceRow = typeof leadSources.$inferSelect;

export function createIntakeSourceStore(db: Db) {
  return {
    /**
     * The oldest source with this name, created with `defaults` if there is none. One synchronous
     * transaction, so two first emails at once still make one source.
     */
    ensureSource(name: string, defaults: Partial<typeof leadSources.$inferInsert>): IntakeSourceRow {
      return db.transaction((tx) => {
        const existing = tx.select().from(leadSources).where(eq(leadSources.name, name))
          .orderBy(asc(leadSources.id)).limit(1).get();
        if (existing) return existing;
        // Its public key is as unguessable as any other source's: whoever held it could submit
        // direct, auto-accepted leads to any agent.
        return tx.insert(leadSources).values({
          ...defaults, name, publicKey: `src_${randomBytes(24).toString('base64url')}`,
        }).returning().get();
      });
    },

    /** The id of the source's lead with this external id made for this target user, if any. */
    findLeadIdFor(sourceId: number, externalId: string, targetUserId: number): number | null {
      return db.select({ id: leads.id }).from(leads)
        .where(and(eq(leads.sourceId, sourceId), eq(leads.externalId, externalId), eq(leads.targetUserId, targetUserId)))
        .get()?.id ?? null;
    },
  };
}


// The users of a lead (lead_users) on PostgreSQL (SQLite's are in ../sqlite/lead-work-store.ts). Owner,
// state and status changes go through the lead store's updateLead.
import { and, asc, eq } from 'drizzle-orm';
import type { LeadWorkStore } from '../port.js';
import type { LeadContactRow, NewLeadContact } from '../rows.js';
import type { PgContext } from './context.js';
import { leadContacts, leadUsers } from './schema.js';

export function createLeadWorkStore(ctx: PgContext): LeadWorkStore {
  // ctx.db is read per call, never kept: a transaction's context refuses statements once it has ended.
  return {
    async addLeadUser(leadId: number, userId: number): Promise<boolean> {
      // ON CONFLICT: of two concurrent adds of one user, one gets the row and the other false.
      const added = await ctx.db.insert(leadUsers).values({ leadId, userId }).onConflictDoNothing()
        .returning({ userId: leadUsers.userId });
      return added.length > 0;
    },

    async removeLeadUser(leadId: number, userId: number): Promise<boolean> {
      const removed = await ctx.db.delete(leadUsers).where(and(eq(leadUsers.leadId, leadId), eq(leadUsers.userId, userId)))
        .returning({ userId: leadUsers.userId });
      return removed.length > 0;
    },

    async clearLeadUsers(leadId: number): Promise<number[]> {
      const removed = await ctx.db.delete(leadUsers).where(eq(leadUsers.leadId, leadId))
        .returning({ userId: leadUsers.userId });
      return removed.map((r) => r.userId);
    },

    async insertContact(row: NewLeadContact): Promise<LeadContactRow> {
      const [inserted] = await ctx.db.insert(leadContacts).values(row).returning();
      if (!inserted) throw new Error('contact insert returned nothing');
      return inserted;
    },

    async contactsOfLead(leadId: number): Promise<LeadContactRow[]> {
      return ctx.db.select().from(leadContacts).where(eq(leadContacts.leadId, leadId)).orderBy(asc(leadContacts.id));
    },
  };
}

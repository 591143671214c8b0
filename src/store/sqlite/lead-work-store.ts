// The store operations of working a lead: its users (lead_users). Owner, state and status changes
// go through the lead store's updateLead; this file holds what only working a lead needs.
import { and, asc, eq } from 'drizzle-orm';
import type { LeadContactRow, NewLeadContact } from '../rows.js';
import type { Db } from './database.js';
import { leadContacts, leadUsers } from './schema.js';

export function createLeadWorkStore(db: Db) {
  return {
    /** True when the user was added; false when they already were a user of the lead. */
    addLeadUser(leadId: number, userId: number): boolean {
      return db.insert(leadUsers).values({ leadId, userId }).onConflictDoNothing().run().changes > 0;
    },

    /** True when the user was removed; false when they were not a user of the lead. */
    removeLeadUser(leadId: number, userId: number): boolean {
      return db.delete(leadUsers).where(and(eq(leadUsers.leadId, leadId), eq(leadUsers.userId, userId))).run().changes > 0;
    },

    /** Removes every user of the lead; returns who they were. */
    clearLeadUsers(leadId: number): number[] {
      return db.delete(leadUsers).where(eq(leadUsers.leadId, leadId)).returning({ userId: leadUsers.userId }).all()
        .map((r) => r.userId);
    },

    insertContact(row: NewLeadContact): LeadContactRow {
      return db.insert(leadContacts).values(row).returning().get();
    },

    contactsOfLead(leadId: number): LeadContactRow[] {
      return db.select().from(leadContacts).where(eq(leadContacts.leadId, leadId)).orderBy(asc(leadContacts.id)).all();
    },
  };
}


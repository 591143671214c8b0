// Offices, tags, lead groups and the company settings row.
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { SqliteConnection } from './connection.js';
import { rosterChanged } from './roster-cache.js';
import { leadGroupMembers, leadGroups, offices, settings, tags } from './schema.js';

type OfficeRow = typeof offices.$inferSelect;
type TagRow = typeof tags.$inferSelect;
type LeadGroupRow = typeof leadGroups.$inferSelect;
type SettingsRow = typeof settings.$inferSelect;

export function createOrgStore(conn: SqliteConnection) {
  const { db } = conn;
  return {
    insertOffice(name: string): OfficeRow {
      return db.insert(offices).values({ name }).returning().get();
    },
    findOfficeByName(name: string): OfficeRow | null {
      return db.select().from(offices).where(eq(offices.name, name)).get() ?? null;
    },
    listOffices(): OfficeRow[] {
      return db.select().from(offices).orderBy(asc(offices.name)).all();
    },
    findOffices(ids: readonly number[]): OfficeRow[] {
      if (ids.length === 0) return [];
      return db.select().from(offices).where(inArray(offices.id, [...ids])).all();
    },

    insertTag(name: string): TagRow {
      return db.insert(tags).values({ name }).returning().get();
    },
    findTagByName(name: string): TagRow | null {
      return db.select().from(tags).where(eq(tags.name, name)).get() ?? null;
    },
    listTags(): TagRow[] {
      return db.select().from(tags).orderBy(asc(tags.name)).all();
    },
    findTags(ids: readonly number[]): TagRow[] {
      if (ids.length === 0) return [];
      return db.select().from(tags).where(inArray(tags.id, [...ids])).all();
    },

    insertLeadGroup(name: string): LeadGroupRow {
      return db.insert(leadGroups).values({ name }).returning().get();
    },
    updateLeadGroupName(id: number, name: string): void {
      db.update(leadGroups).set({ name }).where(eq(leadGroups.id, id)).run();
    },
    findLeadGroup(id: number): LeadGroupRow | null {
      return db.select().from(leadGroups).where(eq(leadGroups.id, id)).get() ?? null;
    },
    findLeadGroupByName(name: string): LeadGroupRow | null {
      return db.select().from(leadGroups).where(eq(leadGroups.name, name)).get() ?? null;
    },
    listLeadGroups(): LeadGroupRow[] {
      return db.select().from(leadGroups).orderBy(asc(leadGroups.name)).all();
    },
    findLeadGroups(ids: readonly number[]): LeadGroupRow[] {
      if (ids.length === 0) return [];
      return db.select().from(leadGroups).where(inArray(leadGroups.id, [...ids])).all();
    },
    setLeadGroupMembers(groupId: number, userIds: readonly number[]): void {
      db.delete(leadGroupMembers).where(eq(leadGroupMembers.groupId, groupId)).run();
      if (userIds.length > 0) {
        db.insert(leadGroupMembers).values(userIds.map((userId) => ({ groupId, userId }))).run();
      }
    },
    memberIdsOfGroups(groupIds: readonly number[]): Map<number, number[]> {
      const out = new Map<number, number[]>(groupIds.map((id) => [id, []]));
      if (groupIds.length === 0) return out;
      const rows = db.select().from(leadGroupMembers).where(inArray(leadGroupMembers.groupId, [...groupIds]))
        .orderBy(asc(leadGroupMembers.userId)).all();
      for (const r of rows) out.get(r.groupId)?.push(r.userId);
      return out;
    },

    getSettings(): SettingsRow {
      const row = db.select().from(settings).where(eq(settings.id, 1)).get();
      if (!row) throw new Error('settings row missing: the database was not seeded');
      return row;
    },
    updateSettings(patch: Partial<typeof settings.$inferInsert>): SettingsRow {
      // The company's zone is every zone-less agent's zone in the cached roster.
      if (patch.timeZone !== undefined) rosterChanged(conn);
      const row = db.update(settings).set(patch).where(eq(settings.id, 1)).returning().get();
      if (!row) throw new Error('settings row missing: the database was not seeded');
      return row;
    },
    /** One conditional statement: of two servers starting at once, the first one's secret stays. */
    keepActionLinkSecret(candidate: string): string {
      const row = db.update(settings).set({ actionLinkSecret: sql`coalesce(${settings.actionLinkSecret}, ${candidate})` })
        .where(eq(settings.id, 1)).returning({ secret: settings.actionLinkSecret }).get();
      if (!row?.secret) throw new Error('settings row missing: the database was not seeded');
      return row.secret;
    },
  };
}


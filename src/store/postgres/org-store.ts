// Offices, tags, lead groups and the company settings row on PostgreSQL (SQLite's are in ../sqlite/org-store.ts).
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { OrgStore } from '../port.js';
import type { LeadGroupRow, OfficeRow, SettingsPatch, SettingsRow, TagRow } from '../rows.js';
import { byteOrder } from './byte-order.js';
import type { PgContext } from './context.js';
import { leadGroupMembers, leadGroups, offices, settings, tags } from './schema.js';

const NOT_SEEDED = 'settings row missing: the database was not seeded';

export function createOrgStore(ctx: PgContext): OrgStore {
  // ctx.db is read per call, never kept: a transaction's context refuses statements once it has ended.
  // Cached with the roster (context.ts RosterCache): an expiry pass reads the strike limit every time,
  // a statement per pass in a storm of expiries, and the row changes only through updateSettings and
  // keepActionLinkSecret, which signal every instance as a roster write does. A copy each time: callers
  // own what they get.
  async function getSettings(): Promise<SettingsRow> {
    // Built before the cache is asked: the executor of a transaction that has ended refuses it (pg-store.ts
    // guarded), cached copy or not, as every other call of its stores.
    const query = ctx.db.select().from(settings).where(eq(settings.id, 1));
    const row = await ctx.shared.roster.entry<SettingsRow>('settings', async () => (await query)[0] ?? null);
    if (!row) throw new Error(NOT_SEEDED);
    return { ...row };
  }

  return {
    async insertOffice(name: string): Promise<OfficeRow> {
      const [row] = await ctx.db.insert(offices).values({ name }).returning();
      if (!row) throw new Error('office insert returned nothing');
      return row;
    },
    async findOfficeByName(name: string): Promise<OfficeRow | null> {
      const [row] = await ctx.db.select().from(offices).where(eq(offices.name, name));
      return row ?? null;
    },
    async listOffices(): Promise<OfficeRow[]> {
      return ctx.db.select().from(offices).orderBy(byteOrder(offices.name));
    },
    async findOffices(ids: readonly number[]): Promise<OfficeRow[]> {
      if (ids.length === 0) return [];
      return ctx.db.select().from(offices).where(inArray(offices.id, [...ids]));
    },

    async insertTag(name: string): Promise<TagRow> {
      const [row] = await ctx.db.insert(tags).values({ name }).returning();
      if (!row) throw new Error('tag insert returned nothing');
      return row;
    },
    async findTagByName(name: string): Promise<TagRow | null> {
      const [row] = await ctx.db.select().from(tags).where(eq(tags.name, name));
      return row ?? null;
    },
    async listTags(): Promise<TagRow[]> {
      return ctx.db.select().from(tags).orderBy(byteOrder(tags.name));
    },
    async findTags(ids: readonly number[]): Promise<TagRow[]> {
      if (ids.length === 0) return [];
      return ctx.db.select().from(tags).where(inArray(tags.id, [...ids]));
    },

    async insertLeadGroup(name: string): Promise<LeadGroupRow> {
      const [row] = await ctx.db.insert(leadGroups).values({ name }).returning();
      if (!row) throw new Error('lead group insert returned nothing');
      return row;
    },
    async updateLeadGroupName(id: number, name: string): Promise<void> {
      await ctx.db.update(leadGroups).set({ name }).where(eq(leadGroups.id, id));
    },
    async findLeadGroup(id: number): Promise<LeadGroupRow | null> {
      const [row] = await ctx.db.select().from(leadGroups).where(eq(leadGroups.id, id));
      return row ?? null;
    },
    async findLeadGroupByName(name: string): Promise<LeadGroupRow | null> {
      const [row] = await ctx.db.select().from(leadGroups).where(eq(leadGroups.name, name));
      return row ?? null;
    },
    async listLeadGroups(): Promise<LeadGroupRow[]> {
      return ctx.db.select().from(leadGroups).orderBy(byteOrder(leadGroups.name));
    },
    async findLeadGroups(ids: readonly number[]): Promise<LeadGroupRow[]> {
      if (ids.length === 0) return [];
      return ctx.db.select().from(leadGroups).where(inArray(leadGroups.id, [...ids]));
    },
    async setLeadGroupMembers(groupId: number, userIds: readonly number[]): Promise<void> {
      // One change: a reader never sees the group emptied between the delete and the insert.
      await ctx.atomically(async (txCtx) => {
        const tx = txCtx.db;
        await tx.delete(leadGroupMembers).where(eq(leadGroupMembers.groupId, groupId));
        if (userIds.length > 0) await tx.insert(leadGroupMembers).values(userIds.map((userId) => ({ groupId, userId })));
        // Routing reads members through the cache (context.ts): every instance drops it at commit.
        await txCtx.rosterChanged();
      });
    },
    async memberIdsOfGroups(groupIds: readonly number[]): Promise<Map<number, number[]>> {
      if (groupIds.length === 0) return new Map();
      // Cached: routing reads a source's group for every lead. Callers get a copy they may change.
      const cached = await ctx.shared.roster.entry(`members:${groupIds.join(',')}`, async () => {
        const out = new Map<number, number[]>(groupIds.map((id) => [id, []]));
        const rows = await ctx.db.select().from(leadGroupMembers).where(inArray(leadGroupMembers.groupId, [...groupIds]))
          .orderBy(asc(leadGroupMembers.userId));
        for (const r of rows) out.get(r.groupId)?.push(r.userId);
        return out;
      });
      return new Map([...(cached ?? [])].map(([id, members]) => [id, [...members]]));
    },

    getSettings,
    async updateSettings(patch: SettingsPatch): Promise<SettingsRow> {
      const [row] = await ctx.db.update(settings).set(patch).where(eq(settings.id, 1)).returning();
      if (!row) throw new Error(NOT_SEEDED);
      // Every instance drops its cached settings (getSettings), and with them the roster: the company's
      // zone is every zone-less agent's zone in it.
      await ctx.rosterChanged();
      return row;
    },
    /**
     * The update only fills an empty secret, so of two instances starting at once the first to commit
     * keeps its secret: the second's update waits for its row lock, then finds the secret set and
     * changes nothing. Both then read the one stored.
     */
    async keepActionLinkSecret(candidate: string): Promise<string> {
      const [kept] = await ctx.db.update(settings).set({ actionLinkSecret: candidate })
        .where(and(eq(settings.id, 1), isNull(settings.actionLinkSecret)))
        .returning({ secret: settings.actionLinkSecret });
      if (kept?.secret) {
        await ctx.rosterChanged();
        return kept.secret;
      }
      // Read from the row, never the cache: this instance may have cached the row before the other
      // instance kept its secret, and that instance's signal may not have arrived yet.
      const [row] = await ctx.db.select({ secret: settings.actionLinkSecret }).from(settings).where(eq(settings.id, 1));
      if (!row?.secret) throw new Error('the action link secret was neither kept nor found');
      return row.secret;
    },
  };
}

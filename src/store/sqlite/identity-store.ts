// Users, their offices and tags, and API tokens. Queries on the request path are prepared once.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { SqliteConnection } from './connection.js';
import { preparedSelect } from './prepared-shapes.js';
import { rosterChanged } from './roster-cache.js';
import { apiTokens, tags, userOffices, users, userTags } from './schema.js';

type UserRow = typeof users.$inferSelect;
type NewUser = typeof users.$inferInsert;

export function createIdentityStore(conn: SqliteConnection) {
  const { db, client } = conn;
  // Every request resolves its token through this one indexed lookup (on the connection itself,
  // prepared-shapes.ts: it was 2% of the intake profile through drizzle).
  const viewerByTokenHash = client.prepare(`SELECT u.id, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ? AND u.active = 1 AND (t.expires_at IS NULL OR t.expires_at > ?)`);

  const userById = preparedSelect(db, users, 'WHERE id = ?');
  // The notification outbox looks up the agents of every routing change.
  const usersByIds = preparedSelect(db, users, 'WHERE id IN (SELECT value FROM json_each(?))');
  return {
    findViewerByTokenHash(hash: string, now: Date) {
      return (viewerByTokenHash.get(hash, now.getTime()) as { id: number; role: UserRow['role'] } | undefined) ?? null;
    },

    insertToken(row: typeof apiTokens.$inferInsert): void {
      db.insert(apiTokens).values(row).run();
    },

    deleteSession(hash: string): void {
      db.delete(apiTokens).where(and(eq(apiTokens.tokenHash, hash), eq(apiTokens.kind, 'SESSION'))).run();
    },

    tokenExists(hash: string): boolean {
      return db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.tokenHash, hash)).get() !== undefined;
    },

    findUser(id: number): UserRow | null {
      return userById.get(id);
    },

    findUserByEmail(email: string): UserRow | null {
      return db.select().from(users).where(eq(users.email, email)).get() ?? null;
    },

    findUserByHandle(handle: string): UserRow | null {
      return db.select().from(users).where(eq(users.handle, handle)).get() ?? null;
    },

    handleTaken(handle: string): boolean {
      return db.select({ id: users.id }).from(users).where(eq(users.handle, handle)).get() !== undefined;
    },

    findUsers(ids: readonly number[]): UserRow[] {
      if (ids.length === 0) return [];
      if (ids.length === 1) {
        const user = userById.get(ids[0]);
        return user ? [user] : [];
      }
      return usersByIds.all(JSON.stringify(ids));
    },

    listUsers(): UserRow[] {
      return db.select().from(users).orderBy(asc(users.id)).all();
    },

    anyAdmin(): boolean {
      return db.select({ id: users.id }).from(users).where(eq(users.role, 'ADMIN')).limit(1).get() !== undefined;
    },

    insertUser(row: NewUser): UserRow {
      rosterChanged(conn);
      return db.insert(users).values(row).returning().get();
    },

    updateUser(id: number, patch: Partial<NewUser>): UserRow | null {
      if (Object.keys(patch).length === 0) return userById.get(id);
      rosterChanged(conn);
      return db.update(users).set(patch).where(eq(users.id, id)).returning().get() ?? null;
    },

    setUserOffices(userId: number, officeIds: readonly number[]): void {
      rosterChanged(conn);
      db.delete(userOffices).where(eq(userOffices.userId, userId)).run();
      if (officeIds.length > 0) {
        db.insert(userOffices).values(officeIds.map((officeId) => ({ userId, officeId }))).run();
      }
    },

    setUserTags(userId: number, tagIds: readonly number[]): void {
      db.delete(userTags).where(eq(userTags.userId, userId)).run();
      if (tagIds.length > 0) db.insert(userTags).values(tagIds.map((tagId) => ({ userId, tagId }))).run();
    },

    /** Office ids per user, for a batch of users (one query: the DataLoader behind User.offices). */
    officeIdsOfUsers(userIds: readonly number[]): Map<number, number[]> {
      const out = new Map<number, number[]>(userIds.map((id) => [id, []]));
      if (userIds.length === 0) return out;
      const rows = db.select().from(userOffices).where(inArray(userOffices.userId, [...userIds]))
        .orderBy(asc(userOffices.officeId)).all();
      for (const r of rows) out.get(r.userId)?.push(r.officeId);
      return out;
    },

    tagsOfUsers(userIds: readonly number[]): Map<number, (typeof tags.$inferSelect)[]> {
      const out = new Map<number, (typeof tags.$inferSelect)[]>(userIds.map((id) => [id, []]));
      if (userIds.length === 0) return out;
      const rows = db.select({ userId: userTags.userId, tag: tags }).from(userTags)
        .innerJoin(tags, eq(tags.id, userTags.tagId))
        .where(inArray(userTags.userId, [...userIds])).orderBy(asc(tags.name)).all();
      for (const r of rows) out.get(r.userId)?.push(r.tag);
      return out;
    },
  };
}


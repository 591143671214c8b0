// Users, their offices and tags, and API tokens. Queries on the request path are prepared once.
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { SqliteConnection } from './connection.js';
import { transaction } from './transaction.js';
import { preparedSelect } from './prepared-shapes.js';
import { rosterChanged } from './roster-cache.js';
import type { ApiTokenRow, TokenHolder } from '../port.js';
import { apiTokens, tags, userOffices, users, userTags } from './schema.js';

type UserRow = typeof users.$inferSelect;
type NewUser = typeof users.$inferInsert;

export function createIdentityStore(conn: SqliteConnection) {
  const { db, client } = conn;
  // Every request resolves its token through this one indexed lookup (on the connection itself,
  // prepared-shapes.ts: it was 2% of the intake profile through drizzle).
  // It also gives the token's id (its WebSockets are closed when it is revoked) and when it was last
  // used (token-usage.ts decides from it whether this use needs recording).
  const viewerByTokenHash = client.prepare(`SELECT u.id, u.role, t.id AS tokenId, t.last_used_at AS lastUsedAt
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ? AND u.active = 1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`);
  // Only moves forward: a batch written late never overwrites a later use.
  const recordUse = client.prepare(
    'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)');

  const userById = preparedSelect(db, users, 'WHERE id = ?');
  const addMissed = client.prepare('UPDATE users SET missed_offers = missed_offers + ? WHERE id = ? RETURNING missed_offers').pluck();
  // Written only when there is a streak to end: an answer usually changes nothing (and writes nothing).
  const clearMissed = client.prepare('UPDATE users SET missed_offers = 0 WHERE id = ? AND missed_offers <> 0');
  // The notification outbox looks up the agents of every routing change.
  const usersByIds = preparedSelect(db, users, 'WHERE id IN (SELECT value FROM json_each(?))');

  function addMissedOffers(agentIds: readonly number[]): Map<number, number> {
    const counts = new Map<number, number>();
    for (const id of agentIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    const out = new Map<number, number>();
    for (const [id, n] of counts) {
      const streak = addMissed.get(n, id) as number | undefined;
      if (streak !== undefined) out.set(id, streak);
    }
    return out;
  }

  return {
    /** The active user holding a live token (not revoked, not expired), with the token's id and last use. */
    findViewerByTokenHash(hash: string, now: Date) {
      return (viewerByTokenHash.get(hash, now.getTime()) as TokenHolder | undefined) ?? null;
    },

    insertToken(row: typeof apiTokens.$inferInsert): number {
      return db.insert(apiTokens).values(row).returning({ id: apiTokens.id }).get().id;
    },

    /** A user's API tokens that still work (not revoked), oldest first; never the hash. */
    listApiTokens(userId: number): ApiTokenRow[] {
      return db.select({ id: apiTokens.id, label: apiTokens.label, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt })
        .from(apiTokens)
        .where(and(eq(apiTokens.userId, userId), eq(apiTokens.kind, 'API'), isNull(apiTokens.revokedAt)))
        .orderBy(asc(apiTokens.id)).all();
    },

    /**
     * Revokes an API token (not a login session). 'REVOKED' with its user when this call revoked it,
     * 'ALREADY' when it was revoked before, null when there is no such API token.
     */
    revokeApiToken(id: number, now: Date): { outcome: 'REVOKED' | 'ALREADY'; userId: number } | null {
      const revoked = db.update(apiTokens).set({ revokedAt: now })
        .where(and(eq(apiTokens.id, id), eq(apiTokens.kind, 'API'), isNull(apiTokens.revokedAt)))
        .returning({ userId: apiTokens.userId }).get();
      if (revoked) return { outcome: 'REVOKED', userId: revoked.userId };
      const existing = db.select({ userId: apiTokens.userId }).from(apiTokens)
        .where(and(eq(apiTokens.id, id), eq(apiTokens.kind, 'API'))).get();
      return existing ? { outcome: 'ALREADY', userId: existing.userId } : null;
    },

    /** Writes a batch of last uses (token id to ms) in one transaction. */
    recordTokenUses(uses: ReadonlyMap<number, number>): void {
      transaction(db, () => {
        for (const [id, at] of uses) recordUse.run(at, id, at);
      });
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

    addMissedOffers,

    addMissedOffersAtCommit(agentIds: readonly number[]): void {
      // One writer, and no round trips: at once.
      addMissedOffers(agentIds);
    },

    clearMissedOffers(agentId: number): void {
      clearMissed.run(agentId);
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


// Users, their offices and tags, and API tokens on PostgreSQL (SQLite's are in ../sqlite/identity-store.ts).
// Every write to users or user_offices is followed by ctx.rosterChanged() on the same context: routing's
// roster (lead-store.ts loadRoster), findUsers of a few ids and the token lookup are cached per instance,
// and that call makes every instance drop them. The missed-offer streak is written without it: it is no
// roster field, and nothing reads it from cached rows (their missedOffers may be behind).
//
// The token lookup (every HTTP request and WebSocket operation asks it) is cached the same way, per
// token hash: a token that worked is looked up once per instance until the next roster signal. A write
// that can take a token away sends that signal in its own transaction: a revocation and a sign-out here,
// a user's deactivation or new role through the user writes above. This instance drops its copy before
// the write's caller hears of it, so a revoked token is refused here from the next request on; another
// instance refuses it once the signal has reached it (NOTIFY at commit, normally within a millisecond),
// and caches nothing while its signal connection is down. Expiry is checked against `now` at every
// lookup, cached or not. The cached last use may be behind: TokenUsage notes a use at most once a minute
// either way (src/services/token-usage.ts).
import type pg from 'pg';
import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { MAX_RACE_AGENT_COUNT } from '../../domain/routing.js';
import type { ApiTokenRow, IdentityStore, TokenHolder } from '../port.js';
import type { NewApiToken, NewUser, TagRow, UserPatch, UserRow } from '../rows.js';
import { userEntryKey, type PgContext } from './context.js';
import { byteOrder } from './byte-order.js';
import { apiTokens, tags, userOffices, users, userTags } from './schema.js';
import { sendWithCommit } from './commit-batch.js';
import { clientOf, intArray, Prebuilt } from './prebuilt.js';

/** How often each agent appears in `agentIds`: what addMissedOffers adds to each streak. */
function countIds(agentIds: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const id of agentIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Token uses per UPDATE (two parameters each). */
const USES_PER_STATEMENT = 10_000;

/**
 * findUsers of at most this many ids is cached: as many as a round may offer a lead to. It was 8: every
 * round of a source racing 10 agents read their rows again inside the routing transaction, one more
 * round trip per lead (the deadline benchmark: 178 such reads in two seconds).
 */
const FEW_USERS = MAX_RACE_AGENT_COUNT;

/**
 * A token that works but for its expiry, which each lookup checks against its own `now` (so a cached
 * holder expires on time): read on a cache miss, built once (prebuilt.ts).
 */
const holderByTokenHash = new Prebuilt((db) => db
  .select({ id: users.id, role: users.role, tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt, expiresAt: apiTokens.expiresAt })
  .from(apiTokens).innerJoin(users, eq(users.id, apiTokens.userId))
  .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), eq(users.active, true), isNull(apiTokens.revokedAt))));

/** A cached token holder: the port's TokenHolder and the token's expiry (ms; null: never). */
interface CachedHolder extends TokenHolder {
  expiresAt: number | null;
}

export function createIdentityStore(ctx: PgContext): IdentityStore {
  // ctx.db is read per call, never kept: a transaction's context refuses statements once it has ended.
  async function findUser(id: number): Promise<UserRow | null> {
    const [row] = await ctx.db.select().from(users).where(eq(users.id, id));
    return row ?? null;
  }

  const store: IdentityStore = {
    async findViewerByTokenHash(hash: string, now: Date): Promise<TokenHolder | null> {
      const holder = await ctx.shared.roster.entry<CachedHolder>(`token:${hash}`, async () => {
        const [row] = await holderByTokenHash.run(ctx.db, { hash });
        return row ? {
          id: row.id, role: row.role, tokenId: row.tokenId, lastUsedAt: row.lastUsedAt?.getTime() ?? null, expiresAt: row.expiresAt?.getTime() ?? null,
        } : null;
      });
      if (!holder || (holder.expiresAt !== null && holder.expiresAt <= now.getTime())) return null;
      return { id: holder.id, role: holder.role, tokenId: holder.tokenId, lastUsedAt: holder.lastUsedAt };
    },

    async insertToken(row: NewApiToken): Promise<number> {
      const [inserted] = await ctx.db.insert(apiTokens).values(row).returning({ id: apiTokens.id });
      if (!inserted) throw new Error('token insert returned nothing');
      return inserted.id;
    },

    async listApiTokens(userId: number): Promise<ApiTokenRow[]> {
      return ctx.db.select({ id: apiTokens.id, label: apiTokens.label, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt })
        .from(apiTokens)
        .where(and(eq(apiTokens.userId, userId), eq(apiTokens.kind, 'API'), isNull(apiTokens.revokedAt)))
        .orderBy(asc(apiTokens.id));
    },

    async revokeApiToken(id: number, now: Date): Promise<{ outcome: 'REVOKED' | 'ALREADY'; userId: number } | null> {
      // The conditional update decides which of two concurrent revokes reports REVOKED (and closes sockets).
      // With its roster signal in one transaction: every instance's cached lookup of the token goes (the top).
      const revoked = await ctx.atomically(async (tx) => {
        const [row] = await tx.db.update(apiTokens).set({ revokedAt: now })
          .where(and(eq(apiTokens.id, id), eq(apiTokens.kind, 'API'), isNull(apiTokens.revokedAt)))
          .returning({ userId: apiTokens.userId });
        if (row) await tx.rosterChanged();
        return row;
      });
      if (revoked) return { outcome: 'REVOKED', userId: revoked.userId };
      const [existing] = await ctx.db.select({ userId: apiTokens.userId }).from(apiTokens)
        .where(and(eq(apiTokens.id, id), eq(apiTokens.kind, 'API')));
      return existing ? { outcome: 'ALREADY', userId: existing.userId } : null;
    },

    async recordTokenUses(uses: ReadonlyMap<number, number>): Promise<void> {
      if (uses.size === 0) return;
      // One statement per batch (a minute's uses fit one; a huge one is split within PostgreSQL's
      // 65,535 parameters). In id order, so that two instances flushing the same tokens lock their rows
      // in one order; inside `atomically`, one transaction, so that a deadlock all the same is retried.
      const sorted = [...uses].sort(([a], [b]) => a - b);
      await ctx.atomically(async ({ db }) => {
        for (let i = 0; i < sorted.length; i += USES_PER_STATEMENT) {
          const values = sorted.slice(i, i + USES_PER_STATEMENT).map(([id, at]) => sql`(${id}::int, ${new Date(at)}::timestamptz)`);
          await db.execute(sql`UPDATE ${apiTokens} AS t SET last_used_at = v.at
            FROM (VALUES ${sql.join(values, sql`, `)}) AS v(id, at)
            WHERE t.id = v.id AND (t.last_used_at IS NULL OR t.last_used_at < v.at)`);
        }
      });
    },

    async deleteSession(hash: string): Promise<void> {
      // A sign-out: the session's cached lookup goes on every instance, as a revocation's (the top).
      await ctx.atomically(async (tx) => {
        const gone = await tx.db.delete(apiTokens).where(and(eq(apiTokens.tokenHash, hash), eq(apiTokens.kind, 'SESSION')))
          .returning({ id: apiTokens.id });
        if (gone.length > 0) await tx.rosterChanged();
      });
    },

    async tokenExists(hash: string): Promise<boolean> {
      const [row] = await ctx.db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.tokenHash, hash));
      return row !== undefined;
    },

    findUser,

    async findUserByEmail(email: string): Promise<UserRow | null> {
      const [row] = await ctx.db.select().from(users).where(eq(users.email, email));
      return row ?? null;
    },

    async findUserByHandle(handle: string): Promise<UserRow | null> {
      const [row] = await ctx.db.select().from(users).where(eq(users.handle, handle));
      return row ?? null;
    },

    async handleTaken(handle: string): Promise<boolean> {
      const [row] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.handle, handle));
      return row !== undefined;
    },

    async findUsers(ids: readonly number[]): Promise<UserRow[]> {
      if (ids.length === 0) return [];
      const read = (of: readonly number[]) => ctx.db.select().from(users).where(inArray(users.id, [...of]));
      // A few users (the agents a round offers a lead to, whom the outbox writes to inside the routing
      // transaction) come from the cache beside the roster: every write to users drops it (see the top).
      // Cached per user, so a round offered to agents partly seen before reads only the others.
      if (ids.length > FEW_USERS) return read(ids);
      const byId = await ctx.shared.roster.entriesOf([...new Set(ids)], userEntryKey, async (missing) =>
        new Map((await read(missing)).map((u) => [u.id, u])));
      return [...byId.values()].map((u) => ({ ...u }));
    },

    async listUsers(): Promise<UserRow[]> {
      return ctx.db.select().from(users).orderBy(asc(users.id));
    },

    async anyAdmin(): Promise<boolean> {
      const [row] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.role, 'ADMIN')).limit(1);
      return row !== undefined;
    },

    async insertUser(row: NewUser): Promise<UserRow> {
      const [inserted] = await ctx.db.insert(users).values(row).returning();
      if (!inserted) throw new Error('user insert returned nothing');
      await ctx.rosterChanged();
      return inserted;
    },

    async updateUser(id: number, patch: UserPatch): Promise<UserRow | null> {
      if (Object.keys(patch).length === 0) return findUser(id);
      const [row] = await ctx.db.update(users).set(patch).where(eq(users.id, id)).returning();
      if (!row) return null;
      await ctx.rosterChanged();
      return row;
    },

    async addMissedOffers(agentIds: readonly number[]): Promise<Map<number, number>> {
      const counts = countIds(agentIds);
      if (counts.size === 0) return new Map();
      // One statement for the batch (it was an UPDATE per agent: 50 round trips for a batch of expiries,
      // each waiting its turn on a busy event loop). w_lock takes the rows' locks in id order, the order
      // every multi-user write takes them: the UPDATE only reaches a row once w_lock has returned it, so
      // whatever plan joins them, this transaction waits for locks in that order alone.
      const ids = [...counts.keys()];
      const { rows } = await ctx.db.execute<{ id: number; streak: number }>(sql`WITH w_lock AS (
          SELECT id FROM ${users} WHERE id = ANY(${intArray(ids)}) ORDER BY id FOR NO KEY UPDATE)
        UPDATE ${users} AS u SET missed_offers = u.missed_offers + v.n
        FROM w_lock l, unnest(${intArray(ids)}, ${intArray(ids.map((id) => counts.get(id) ?? 0))}) AS v(id, n)
        WHERE u.id = l.id AND v.id = l.id
        RETURNING u.id, u.missed_offers AS streak`);
      return new Map(rows.map((r) => [Number(r.id), Number(r.streak)]));
    },

    async addMissedOffersAtCommit(agentIds: readonly number[]): Promise<void> {
      if (agentIds.length === 0) return;
      if (!ctx.commitBatch) {
        await store.addMissedOffers(agentIds);
        return;
      }
      const counts = countIds(agentIds);
      // The statement addMissedOffers sends, without RETURNING, as a whole text with the COMMIT (a simple
      // query has no parameters): integers only, checked, so the arrays are literals nothing can escape.
      const ids = [...counts.keys()];
      if (!ids.every(Number.isSafeInteger)) throw new Error('addMissedOffersAtCommit: agent ids must be integers');
      const array = (xs: readonly number[]) => `'{${xs.join(',')}}'::int[]`;
      sendWithCommit(clientOf(ctx.db) as pg.PoolClient, `WITH w_lock AS (
          SELECT id FROM users WHERE id = ANY(${array(ids)}) ORDER BY id FOR NO KEY UPDATE)
        UPDATE users AS u SET missed_offers = u.missed_offers + v.n
        FROM w_lock l, unnest(${array(ids)}, ${array(ids.map((id) => counts.get(id) ?? 0))}) AS v(id, n)
        WHERE u.id = l.id AND v.id = l.id`);
    },

    async clearMissedOffers(agentId: number): Promise<void> {
      // Written only when there is a streak to end: an answer usually changes nothing (and locks nothing).
      await ctx.db.update(users).set({ missedOffers: 0 }).where(and(eq(users.id, agentId), ne(users.missedOffers, 0)));
    },

    async setUserOffices(userId: number, officeIds: readonly number[]): Promise<void> {
      // One change: a roster read never sees the user between the delete and the insert.
      await ctx.atomically(async (tx) => {
        await tx.db.delete(userOffices).where(eq(userOffices.userId, userId));
        if (officeIds.length > 0) await tx.db.insert(userOffices).values(officeIds.map((officeId) => ({ userId, officeId })));
        await tx.rosterChanged();
      });
    },

    async setUserTags(userId: number, tagIds: readonly number[]): Promise<void> {
      await ctx.atomically(async ({ db: tx }) => {
        await tx.delete(userTags).where(eq(userTags.userId, userId));
        if (tagIds.length > 0) await tx.insert(userTags).values(tagIds.map((tagId) => ({ userId, tagId })));
      });
    },

    async officeIdsOfUsers(userIds: readonly number[]): Promise<Map<number, number[]>> {
      const out = new Map<number, number[]>(userIds.map((id) => [id, []]));
      if (userIds.length === 0) return out;
      const rows = await ctx.db.select().from(userOffices).where(inArray(userOffices.userId, [...userIds]))
        .orderBy(asc(userOffices.officeId));
      for (const r of rows) out.get(r.userId)?.push(r.officeId);
      return out;
    },

    async tagsOfUsers(userIds: readonly number[]): Promise<Map<number, TagRow[]>> {
      const out = new Map<number, TagRow[]>(userIds.map((id) => [id, []]));
      if (userIds.length === 0) return out;
      const rows = await ctx.db.select({ userId: userTags.userId, tag: tags }).from(userTags)
        .innerJoin(tags, eq(tags.id, userTags.tagId))
        .where(inArray(userTags.userId, [...userIds])).orderBy(byteOrder(tags.name));
      for (const r of rows) out.get(r.userId)?.push(r.tag);
      return out;
    },
  };
  return store;
}

// The lead list on PostgreSQL (SQLite's is ../sqlite/lead-list-store.ts): newest first, keyset-paginated
// (id < cursor, never OFFSET), filtered, searched, with the same filters and scope as SQLite's. Each filter has
// an index ending in id (schema.ts), so a page reads about `limit` index entries.
//
// Search is lead-search.ts: the trigram index of drizzle/postgres/0004, kept by PostgreSQL in each lead's own
// transaction. So there is no batch indexer here: nothing is ever waiting to be indexed, indexPending has
// nothing to do and pendingSearchIndex is always 0 (services/search-indexing.ts then stays idle).
import { and, asc, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { LeadListFilter, LeadListScope, LeadListStore } from '../port.js';
import type { LeadRow } from '../rows.js';
import type { PgContext } from './context.js';
import { createLeadSearch, memberOf } from './lead-search.js';
import { leads } from './schema.js';

/** The filter's conditions but the search. */
function conditions(scope: LeadListScope, filter: LeadListFilter): (SQL | undefined)[] {
  return [
    scope.memberId === null ? undefined : memberOf(scope.memberId),
    filter.state ? eq(leads.state, filter.state) : undefined,
    filter.sourceId != null ? eq(leads.sourceId, filter.sourceId) : undefined,
    filter.ownerId != null ? eq(leads.ownerId, filter.ownerId) : undefined,
    filter.statusCodeId != null ? eq(leads.statusCodeId, filter.statusCodeId) : undefined,
    filter.createdFrom ? gte(leads.createdAt, filter.createdFrom) : undefined,
    filter.createdTo ? lt(leads.createdAt, filter.createdTo) : undefined,
  ];
}

export function createLeadListStore(ctx: PgContext): LeadListStore {
  // Made once per context, so that the outer store keeps the phone searches' density sample between calls.
  const search = createLeadSearch(ctx.db);

  /** Every condition of the list: scope, filters and search. */
  async function matching(scope: LeadListScope, filter: LeadListFilter): Promise<(SQL | undefined)[]> {
    return [...conditions(scope, filter), filter.search ? await search.condition(filter.search) : undefined];
  }

  return {
    async listLeads(scope: LeadListScope, filter: LeadListFilter, beforeId: number | null, limit: number): Promise<LeadRow[]> {
      // ctx.db first: once its transaction has ended it refuses, before the search reads a sample.
      const { db } = ctx;
      const where = await matching(scope, filter);
      return db.select().from(leads)
        .where(and(...where, beforeId === null ? undefined : lt(leads.id, beforeId)))
        .orderBy(desc(leads.id)).limit(limit);
    },

    async countLeads(scope: LeadListScope, filter: LeadListFilter): Promise<number> {
      const { db } = ctx;
      const where = await matching(scope, filter);
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(leads).where(and(...where));
      return row?.n ?? 0;
    },

    async anyLeadFrom(scope: LeadListScope, filter: LeadListFilter, fromId: number): Promise<boolean> {
      const { db } = ctx;
      const where = await matching(scope, filter);
      // Oldest first from fromId: stops at the first match.
      const rows = await db.select({ id: leads.id }).from(leads)
        .where(and(...where, gte(leads.id, fromId))).orderBy(asc(leads.id)).limit(1);
      return rows.length > 0;
    },

    // The trigram index is kept in each lead's own transaction: nothing is left to index.
    async indexPending(): Promise<number> {
      return 0;
    },

    async pendingSearchIndex(): Promise<number> {
      return 0;
    },
  };
}

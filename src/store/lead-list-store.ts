// The lead list: newest first, keyset-paginated (id < cursor, never OFFSET), filtered, searched.
// Each filter has an index ending in id (schema.ts), so a page reads about `limit` index entries.
// Search goes through leads_search, an FTS5 trigram index (migration 0003): any substring of three
// or more characters is an index lookup, not a scan. Leads are added to it in batches after they
// commit (indexPending, run by services/search-indexing.ts; migration 0007), so the newest few are
// not in it yet: every search also reads the leads past the index's watermark from the table.
import { and, desc, eq, getTableColumns, gte, lt, sql, type SQL } from 'drizzle-orm';
import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './database.js';
import { withoutFsync } from './relaxed-sync.js';
import { clientOf, transaction } from './transaction.js';
import type { LeadRow } from './lead-store.js';
import { leads, leadUsers } from './schema.js';

export interface LeadListFilter {
  state?: 'ROUTING' | 'ASSIGNED' | 'UNASSIGNED' | null;
  sourceId?: number | null;
  ownerId?: number | null;
  statusCodeId?: number | null;
  /** Inclusive. */
  createdFrom?: Date | null;
  /** Exclusive. */
  createdTo?: Date | null;
  /** Case-insensitive substring of the name (first and last), email or phone. */
  search?: string | null;
}

export interface LeadListScope {
  /** null: every lead (admins); otherwise only leads this agent owns or is a user of. */
  memberId: number | null;
}

/**
 * The FTS5 table of migration 0003, declared here for the query builder only (drizzle-kit does not
 * manage virtual tables, and schema.ts is what it generates migrations from).
 */
const leadsSearch = sqliteTable('leads_search', { rowid: integer('rowid').notNull() });

/** Trigrams need three characters; shorter terms fall back to a scan with LIKE. */
const MIN_INDEXED_SEARCH = 3;

/** A search that looks like a phone number is matched on its digits, as phones are stored (+15125550199). */
function searchTerm(raw: string): string {
  const trimmed = raw.trim();
  if (/^[\d\s().+-]+$/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    if (digits.length >= MIN_INDEXED_SEARCH) return digits;
  }
  return trimmed;
}

/** The FTS5 query for an indexed search, or null when the term is too short for trigrams. */
function ftsPhrase(raw: string | null | undefined): string | null {
  const term = raw ? searchTerm(raw) : '';
  // One FTS5 phrase: the whole term as a substring of one column. Quotes are doubled, so the
  // term cannot inject FTS query syntax.
  return [...term].length >= MIN_INDEXED_SEARCH ? `"${term.replace(/"/g, '""')}"` : null;
}

/** The last lead id in leads_search: every lead after it is read from the table instead. */
const INDEXED_THROUGH = sql`(SELECT indexed_through FROM lead_search_progress WHERE id = 1)`;

/**
 * The term as a substring of the indexed text, read from the table: the name as the index has it
 * (first and last, one space), email, phone. LIKE folds ASCII case only; the trigram index folds
 * all of Unicode, a difference that only the few unindexed leads can show, and only for a moment.
 */
function substringOf(term: string): SQL {
  const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`((${leads.firstName} || coalesce(' ' || ${leads.lastName}, '')) LIKE ${pattern} ESCAPE '\\'
    OR ${leads.email} LIKE ${pattern} ESCAPE '\\' OR ${leads.phone} LIKE ${pattern} ESCAPE '\\')`;
}

function searchCondition(raw: string): SQL | undefined {
  const term = searchTerm(raw);
  if (term === '') return undefined;
  const phrase = ftsPhrase(raw);
  if (phrase === null) return substringOf(term);
  return sql`(${leads.id} IN (SELECT rowid FROM leads_search WHERE leads_search MATCH ${phrase})
    OR (${leads.id} > ${INDEXED_THROUGH} AND ${substringOf(term)}))`;
}

function conditions(scope: LeadListScope, filter: LeadListFilter): (SQL | undefined)[] {
  const me = scope.memberId;
  return [
    // A UNION of two index lookups, not "owner_id = me OR ...": the OR made SQLite gather and sort
    // every lead of the agent for each page (28 ms at 1M leads); the list is probed in id order instead.
    me === null ? undefined : sql`${leads.id} IN (SELECT ${leads.id} FROM ${leads} WHERE ${leads.ownerId} = ${me}
      UNION ALL SELECT ${leadUsers.leadId} FROM ${leadUsers} WHERE ${leadUsers.userId} = ${me})`,
    filter.state ? eq(leads.state, filter.state) : undefined,
    filter.sourceId != null ? eq(leads.sourceId, filter.sourceId) : undefined,
    filter.ownerId != null ? eq(leads.ownerId, filter.ownerId) : undefined,
    filter.statusCodeId != null ? eq(leads.statusCodeId, filter.statusCodeId) : undefined,
    filter.createdFrom ? gte(leads.createdAt, filter.createdFrom) : undefined,
    filter.createdTo ? lt(leads.createdAt, filter.createdTo) : undefined,
    filter.search ? searchCondition(filter.search) : undefined,
  ];
}

export function createLeadListStore(db: Db) {
  const client = clientOf(db);
  const indexedThrough = client.prepare('SELECT indexed_through FROM lead_search_progress WHERE id = 1').pluck();
  // The id of the batch's last lead: `limit` leads past the watermark, or fewer.
  const lastOfBatch = client.prepare('SELECT max(id) FROM (SELECT id FROM leads WHERE id > ? ORDER BY id LIMIT ?)').pluck();
  // The same text as migration 0003 indexed: the name is first and last with one space.
  const indexBatch = client.prepare(`INSERT INTO leads_search(rowid, name, email, phone)
    SELECT id, first_name || coalesce(' ' || last_name, ''), email, phone FROM leads WHERE id > ? AND id <= ? ORDER BY id`);
  const moveWatermark = client.prepare('UPDATE lead_search_progress SET indexed_through = ? WHERE id = 1');
  const pendingCount = client.prepare(`SELECT count(*) FROM leads
    WHERE id > (SELECT indexed_through FROM lead_search_progress WHERE id = 1)`).pluck();

  return {
    /** Up to `limit` leads older than `beforeId` (null: from the newest), newest first. */
    listLeads(scope: LeadListScope, filter: LeadListFilter, beforeId: number | null, limit: number): LeadRow[] {
      const phrase = ftsPhrase(filter.search);
      if (filter.search && phrase !== null) {
        const others = conditions(scope, { ...filter, search: null });
        // Newest first: the leads not indexed yet (a handful, read by id past the watermark) come
        // before every indexed one, so they fill the page first.
        const unindexed = db.select().from(leads)
          .where(and(sql`${leads.id} > ${INDEXED_THROUGH}`, substringOf(searchTerm(filter.search)), ...others,
            beforeId === null ? undefined : lt(leads.id, beforeId)))
          .orderBy(desc(leads.id)).limit(limit).all();
        if (unindexed.length === limit) return unindexed;
        // Then driven from the trigram index in rowid order, so a page stops after `limit` matches
        // instead of first collecting every match (a common name matches tens of thousands).
        const indexed = db.select(getTableColumns(leads)).from(leadsSearch).innerJoin(leads, eq(leads.id, leadsSearch.rowid))
          .where(and(sql`leads_search MATCH ${phrase}`, ...others,
            beforeId === null ? undefined : lt(leadsSearch.rowid, beforeId)))
          .orderBy(desc(leadsSearch.rowid)).limit(limit - unindexed.length).all();
        return [...unindexed, ...indexed];
      }
      return db.select().from(leads)
        .where(and(...conditions(scope, filter), beforeId === null ? undefined : lt(leads.id, beforeId)))
        .orderBy(desc(leads.id)).limit(limit).all();
    },

    /**
     * Adds up to `limit` leads past the watermark to the search index, oldest first, and moves the
     * watermark, in one transaction: a crash loses both or neither. Returns how many it indexed.
     * Derived data, so committed without an fsync of its own (relaxed-sync.ts): a power cut can
     * only lose a batch that the next one redoes.
     */
    indexPending(limit: number): number {
      return withoutFsync(db, () => transaction(db, () => {
        const through = indexedThrough.get() as number;
        const last = lastOfBatch.get(through, limit) as number | null;
        if (last === null) return 0;
        const added = indexBatch.run(through, last).changes;
        moveWatermark.run(last);
        return added;
      }));
    },

    /** How many leads are not in the search index yet. */
    pendingSearchIndex: (): number => pendingCount.get() as number,

    /** How many leads match, regardless of the page: costs a walk over every match. */
    countLeads(scope: LeadListScope, filter: LeadListFilter): number {
      return db.select({ n: sql<number>`count(*)` }).from(leads).where(and(...conditions(scope, filter))).get()?.n ?? 0;
    },
  };
}

export type LeadListStore = ReturnType<typeof createLeadListStore>;

// The lead list: newest first, keyset-paginated (id < cursor, never OFFSET), filtered, searched.
// Each filter has an index ending in id (schema.ts), so a page reads about `limit` index entries.
// Search goes through leads_search, an FTS5 trigram index (migration 0003) kept in step with
// leads by triggers: any substring of three or more characters is an index lookup, not a scan.
import { and, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './database.js';
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

function searchCondition(raw: string): SQL | undefined {
  const term = searchTerm(raw);
  if (term === '') return undefined;
  if ([...term].length >= MIN_INDEXED_SEARCH) {
    // One FTS5 phrase: the whole term as a substring of one column. Quotes are doubled, so the
    // term cannot inject FTS query syntax.
    const phrase = `"${term.replace(/"/g, '""')}"`;
    return sql`${leads.id} IN (SELECT rowid FROM leads_search WHERE leads_search MATCH ${phrase})`;
  }
  const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`(${leads.firstName} LIKE ${pattern} ESCAPE '\\' OR ${leads.lastName} LIKE ${pattern} ESCAPE '\\'
    OR ${leads.email} LIKE ${pattern} ESCAPE '\\' OR ${leads.phone} LIKE ${pattern} ESCAPE '\\')`;
}

function conditions(scope: LeadListScope, filter: LeadListFilter): (SQL | undefined)[] {
  const me = scope.memberId;
  return [
    me === null ? undefined : or(
      eq(leads.ownerId, me),
      sql`${leads.id} IN (SELECT ${leadUsers.leadId} FROM ${leadUsers} WHERE ${leadUsers.userId} = ${me})`,
    ),
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
  return {
    /** Up to `limit` leads older than `beforeId` (null: from the newest), newest first. */
    listLeads(scope: LeadListScope, filter: LeadListFilter, beforeId: number | null, limit: number): LeadRow[] {
      return db.select().from(leads)
        .where(and(...conditions(scope, filter), beforeId === null ? undefined : lt(leads.id, beforeId)))
        .orderBy(desc(leads.id)).limit(limit).all();
    },

    /** How many leads match, regardless of the page: costs a walk over every match. */
    countLeads(scope: LeadListScope, filter: LeadListFilter): number {
      return db.select({ n: sql<number>`count(*)` }).from(leads).where(and(...conditions(scope, filter))).get()?.n ?? 0;
    },
  };
}

export type LeadListStore = ReturnType<typeof createLeadListStore>;

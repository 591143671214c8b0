// The lead list: newest first, keyset-paginated (id < cursor, never OFFSET), filtered, searched.
// Each filter has an index ending in id (schema.ts), so a page reads about `limit` index entries.
// Search goes through leads_search, an FTS5 trigram index (migration 0003): any substring of three
// or more characters is an index lookup, not a scan. Leads are added to it in batches after they
// commit (indexPending, run by services/search-indexing.ts; migration 0007), so the newest few are
// not in it yet: every search also reads the leads past the index's watermark from the table.
// A phone search leaves out of the index query the digit trigrams that many leads share (country
// and area code) and checks the whole number on the rows instead: see phoneQuery.
// A search within one agent's leads (an agent's own list, or an admin's filtered by owner) does not go
// through the index: it reads that agent's leads (an index lookup each) and matches each one's text,
// so it costs what the agent's leads cost, however many of everyone's leads match (ownLeadsContain).
import { and, asc, desc, eq, getTableColumns, gte, lt, sql, type SQL } from 'drizzle-orm';
import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './database.js';
import { withoutFsync } from './relaxed-sync.js';
import type { LeadListFilter, LeadListScope } from '../port.js';
import {
  DENSITY_SAMPLE, denseTrigrams, isPlannedByDensity, likePattern, MIN_INDEXED_SEARCH, sampleIds, sampleStands, searchTerm, sparseParts,
} from '../lead-search-term.js';
import { leads, leadUsers } from './schema.js';
import { clientOf, transaction } from './transaction.js';

/**
 * The FTS5 table of migration 0003, declared here for the query builder only (drizzle-kit does not
 * manage virtual tables, and schema.ts is what it generates migrations from).
 */
const leadsSearch = sqliteTable('leads_search', { rowid: integer('rowid').notNull() });

/** An FTS5 phrase: the text as a substring of one column. Quotes are doubled, so no query syntax gets in. */
const phrase = (text: string) => `"${text.replace(/"/g, '""')}"`;

/**
 * Case-insensitive substring of the text the index holds, by scan: the name as leads_search has it
 * (first and last, one space), email, phone. LIKE folds ASCII case only, the trigram index all of
 * Unicode: for the unindexed tail that difference lasts until its batch, a fraction of a second.
 */
function likeCondition(term: string): SQL {
  const pattern = likePattern(term);
  return sql`((${leads.firstName} || coalesce(' ' || ${leads.lastName}, '')) LIKE ${pattern} ESCAPE '\\'
    OR ${leads.email} LIKE ${pattern} ESCAPE '\\' OR ${leads.phone} LIKE ${pattern} ESCAPE '\\')`;
}

/** The last lead id in leads_search: every lead after it is read from the table instead. */
const INDEXED_THROUGH = sql`(SELECT indexed_through FROM lead_search_progress WHERE id = 1)`;

/** A search as the list runs it. */
type SearchPlan =
  /** Too short for trigrams: a LIKE scan of the term. */
  | { kind: 'scan'; term: string }
  /**
   * The FTS5 query `match`. With recheck, it matches a superset (the term's sparse parts, not the
   * whole term), and the rows are also checked with LIKE for the whole term.
   */
  | { kind: 'index'; term: string; match: string; recheck: boolean };

/**
 * The FTS5 query for a digit term, given which of its trigrams (term.slice(i, i + 3)) are dense
 * (lead-search-term.ts: sparseParts).
 *
 * Why: FTS5 walks a phrase's trigrams together, seeking each one's list of leads to every candidate
 * of the others. Digits make only 1,000 trigrams, and phones share their first digits: in a brokerage
 * in one area code, "+1512..." puts 151 and 512 in every lead. A search for "(512) 000-42" then seeks
 * those lists of a million leads for every lead that holds its rarer trigrams: 10 ms at 1M leads, the
 * same with AND instead of a phrase (the positions are not the cost). Without the dense trigrams the
 * query walks only the rare ones ("00042": 1.3 ms), and LIKE on the rows puts the whole number back.
 * That is exact for digits (no case to fold, no space, so the name's columns can be checked apart),
 * and the phrases left match every row that holds the whole term, so nothing is lost.
 */
function phoneQuery(term: string, dense: readonly boolean[]): { match: string; recheck: boolean } {
  const parts = sparseParts(term, dense);
  // Nothing to leave out, or nothing would be left: the whole term, as before.
  if (parts === null) return { match: phrase(term), recheck: false };
  return { match: parts.map(phrase).join(' AND '), recheck: true };
}

/**
 * The SQL function behind an agent's search: 1 when the term (already lower-cased) is a substring of
 * the lead's name (first and last, one space), email or phone, lower-cased as the trigram index folds
 * case (all of Unicode, not only ASCII as LIKE does), so an agent finds what the index would find.
 */
const CONTAINS_FUNCTION = 'lead_search_contains';
function leadContains(first: unknown, last: unknown, email: unknown, phone: unknown, term: unknown): number {
  if (typeof term !== 'string') return 0;
  const name = typeof last === 'string' ? `${String(first)} ${last}` : String(first);
  return name.toLowerCase().includes(term)
    || (typeof email === 'string' && email.toLowerCase().includes(term))
    || (typeof phone === 'string' && phone.toLowerCase().includes(term)) ? 1 : 0;
}

/**
 * A search within one agent's leads: those an agent may list (scope), or those of the owner an admin
 * filters by (ownerId). Null for any other list, or no search.
 *
 * Why not the trigram index: driven from it, a page walks everyone's matches in id order until it has
 * found enough of the agent's, and a count walks every match. A term most leads hold ("example" of
 * every email at example.com) walked 126,000 of 300,000 leads to fill a page of 20 from an agent's 50
 * (167 ms; with totalCount 438 ms; 50 such searches aliased in one request, 7.9 s). One agent's leads
 * are an index lookup each (owner_id and lead_users, in id order), so matching their text instead
 * costs about 1.5 µs a lead (1.2 ms for that page, 0.5 ms for its count), however many of everyone's
 * leads match, and needs no index and no unindexed tail.
 */
function ownLeadsContain(scope: LeadListScope, filter: LeadListFilter): SQL | null {
  const oneAgent = scope.memberId !== null || filter.ownerId != null;
  const term = oneAgent && filter.search ? searchTerm(filter.search) : '';
  if (term === '') return null;
  return sql`${sql.raw(CONTAINS_FUNCTION)}(${leads.firstName}, ${leads.lastName}, ${leads.email}, ${leads.phone}, ${term.toLowerCase()}) = 1`;
}

function searchCondition(plan: SearchPlan): SQL | undefined {
  if (plan.kind === 'scan') return likeCondition(plan.term);
  const indexed = and(sql`${leads.id} IN (SELECT rowid FROM leads_search WHERE leads_search MATCH ${plan.match})`,
    plan.recheck ? likeCondition(plan.term) : undefined);
  return sql`(${indexed} OR (${leads.id} > ${INDEXED_THROUGH} AND ${likeCondition(plan.term)}))`;
}

/** The filter's conditions but the search, which the caller adds as its plan says. */
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
  ];
}

export function createLeadListStore(db: Db) {
  const sqlite = clientOf(db);
  sqlite.function(CONTAINS_FUNCTION, { deterministic: true }, leadContains);
  const maxId = sqlite.prepare('SELECT max(id) FROM leads').pluck();
  const indexedThrough = sqlite.prepare('SELECT indexed_through FROM lead_search_progress WHERE id = 1').pluck();
  // The id of the batch's last lead: `limit` leads past the watermark, or fewer.
  const lastOfBatch = sqlite.prepare('SELECT max(id) FROM (SELECT id FROM leads WHERE id > ? ORDER BY id LIMIT ?)').pluck();
  // The same text as migration 0003 indexed: the name is first and last with one space.
  const indexBatch = sqlite.prepare(`INSERT INTO leads_search(rowid, name, email, phone)
    SELECT id, first_name || coalesce(' ' || last_name, ''), email, phone FROM leads WHERE id > ? AND id <= ? ORDER BY id`);
  const moveWatermark = sqlite.prepare('UPDATE lead_search_progress SET indexed_through = ? WHERE id = 1');
  const pendingCount = sqlite.prepare(`SELECT count(*) FROM leads
    WHERE id > (SELECT indexed_through FROM lead_search_progress WHERE id = 1)`).pluck();
  // The name as leads_search indexes it (migration 0003).
  const sample = sqlite.prepare(`SELECT first_name || coalesce(' ' || last_name, '') AS name, email, phone FROM leads
    WHERE id IN (${Array.from({ length: DENSITY_SAMPLE }, () => '?').join(', ')})`);

  /**
   * The sampled leads' text, one string per lead (line breaks keep a trigram from spanning two
   * columns). Reading 256 leads costs ~0.5 ms, so the sample is kept until the newest id has moved
   * by more than a sample step. Which leads are sampled only changes how fast a search runs, never
   * what it finds.
   */
  let sampled: { lastId: number; texts: string[] } | null = null;
  function sampleTexts(): string[] {
    const lastId = (maxId.get() as number | null) ?? 0;
    if (sampled !== null && sampleStands(sampled.lastId, lastId)) return sampled.texts;
    const texts = (sample.all(...sampleIds(lastId)) as { name: string; email: string | null; phone: string | null }[])
      .map((r) => `${r.name}\n${r.email ?? ''}\n${r.phone ?? ''}`);
    sampled = { lastId, texts };
    return texts;
  }

  function planSearch(raw: string | null | undefined): SearchPlan | null {
    const term = raw ? searchTerm(raw) : '';
    if (term === '') return null;
    if ([...term].length < MIN_INDEXED_SEARCH) return { kind: 'scan', term };
    // Only digits are planned around dense trigrams: letters make tens of thousands of trigrams and
    // names and emails share few, and for them LIKE (ASCII case only) would not be the exact recheck.
    // A single trigram is one list walked in id order: nothing to seek, nothing to leave out.
    if (!isPlannedByDensity(term)) return { kind: 'index', term, match: phrase(term), recheck: false };
    return { kind: 'index', term, ...phoneQuery(term, denseTrigrams(term, sampleTexts())) };
  }

  return {
    /** Up to `limit` leads older than `beforeId` (null: from the newest), newest first. */
    listLeads(scope: LeadListScope, filter: LeadListFilter, beforeId: number | null, limit: number): (typeof leads.$inferSelect)[] {
      const own = ownLeadsContain(scope, filter);
      if (own) {
        return db.select().from(leads)
          .where(and(...conditions(scope, filter), own, beforeId === null ? undefined : lt(leads.id, beforeId)))
          .orderBy(desc(leads.id)).limit(limit).all();
      }
      const plan = planSearch(filter.search);
      if (plan?.kind === 'index') {
        // Newest first: the leads not indexed yet (a handful, read by id past the watermark) come
        // before every indexed one, so they fill the page first.
        const unindexed = db.select().from(leads)
          .where(and(sql`${leads.id} > ${INDEXED_THROUGH}`, likeCondition(plan.term), ...conditions(scope, filter),
            beforeId === null ? undefined : lt(leads.id, beforeId)))
          .orderBy(desc(leads.id)).limit(limit).all();
        if (unindexed.length === limit) return unindexed;
        // Then driven from the trigram index in rowid order, so a page stops after `limit` matches
        // instead of first collecting every match (a common name matches tens of thousands).
        const indexed = db.select(getTableColumns(leads)).from(leadsSearch).innerJoin(leads, eq(leads.id, leadsSearch.rowid))
          .where(and(sql`leads_search MATCH ${plan.match}`, plan.recheck ? likeCondition(plan.term) : undefined,
            ...conditions(scope, filter), beforeId === null ? undefined : lt(leadsSearch.rowid, beforeId)))
          .orderBy(desc(leadsSearch.rowid)).limit(limit - unindexed.length).all();
        return [...unindexed, ...indexed];
      }
      return db.select().from(leads)
        .where(and(...conditions(scope, filter), plan ? searchCondition(plan) : undefined,
          beforeId === null ? undefined : lt(leads.id, beforeId)))
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

    /**
     * Whether any lead that matches has an id of at least `fromId`: the leads a page read after the
     * cursor `fromId` comes behind (the list runs newest first). Stops at the first one found.
     */
    anyLeadFrom(scope: LeadListScope, filter: LeadListFilter, fromId: number): boolean {
      const own = ownLeadsContain(scope, filter);
      const plan = own ? null : planSearch(filter.search);
      return db.select({ id: leads.id }).from(leads)
        .where(and(...conditions(scope, filter), own ?? (plan ? searchCondition(plan) : undefined), gte(leads.id, fromId)))
        .orderBy(asc(leads.id)).limit(1).get() !== undefined;
    },

    /** How many leads match, regardless of the page: costs a walk over every match. */
    countLeads(scope: LeadListScope, filter: LeadListFilter): number {
      const own = ownLeadsContain(scope, filter);
      const plan = own ? null : planSearch(filter.search);
      return db.select({ n: sql<number>`count(*)` }).from(leads)
        .where(and(...conditions(scope, filter), own ?? (plan ? searchCondition(plan) : undefined))).get()?.n ?? 0;
    },
  };
}


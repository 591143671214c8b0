// The lead list's search on PostgreSQL (SQLite's is in ../lead-list-store.ts): the ids of the leads whose name
// (first and last, one space), email or phone holds the search text as a case-insensitive substring, newest
// first, a page at a time (ids below the cursor). The text is read as SQLite reads it (../lead-search-term.ts):
// trimmed, a phone-like text of three or more digits searched by its digits, %, _ and \ taken literally.
//
// Terms of three or more characters go through the GIN trigram index of drizzle/postgres/0004_lead_search.sql
// (pg_trgm), which holds the three columns as one text: the condition on that text finds the candidates, and
// the per-column condition makes the match one column's, as SQLite's FTS5 index matches. Shorter terms have no
// trigram to look up: they are matched by a scan, newest first, as SQLite scans them with LIKE.
//
// Case: ILIKE folds case through the database's locale (all of Unicode under C.UTF-8 or a language locale),
// for every term. SQLite does too for an agent's search (its own leads' text lower-cased) and for an admin's
// terms of three or more characters (FTS5), but folds only ASCII for an admin's shorter ones (LIKE): there a
// one- or two-letter term with a non-ASCII capital ("É") finds more here.
//
// A phone search leaves the digit trigrams that many leads share (country and area code) out of the index
// lookup and checks the whole number on the rows, as SQLite's does (lead-search-term.ts says why and how they
// are found): GIN reads such a trigram's list whole, 25-30 ms of the benchmark's phone search at 1M leads
// against 1 ms without (scripts/bench/pg-lead-search.ts). The index is kept in each lead's own transaction,
// so unlike SQLite's there is no unindexed tail to read.
import { and, desc, inArray, lt, sql, type ExtractTablesWithRelations, type SQL } from 'drizzle-orm';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import {
  denseTrigrams, isPlannedByDensity, likePattern, MIN_INDEXED_SEARCH, sampleIds, sampleStands, searchTerm, sparseParts,
} from '../lead-search-term.js';
import { leads, leadUsers } from './schema.js';

export interface LeadSearch {
  /** What the user typed; blank: every lead. */
  text: string;
  /** null: every lead (admins); otherwise only leads this agent owns or is a user of. */
  memberId: number | null;
  /** Page size. */
  first: number;
  /** Cursor: only leads with a smaller id (the last id of the previous page); null: from the newest. */
  after: number | null;
}

/** The name as SQLite's search index holds it. */
const NAME = sql`(${leads.firstName} || coalesce(' ' || ${leads.lastName}, ''))`;

/**
 * The text the trigram index holds: this must stay the expression of migration 0004 (name, email, phone, a line
 * each), or PostgreSQL cannot use the index and scans; test/store/postgres-lead-search.test.ts checks the plan.
 */
const INDEXED_TEXT = sql`(${NAME} || E'\\n' || coalesce(${leads.email}, '') || E'\\n' || coalesce(${leads.phone}, ''))`;

/** The text holds the term in one column. */
function inOneColumn(term: string): SQL {
  const pattern = likePattern(term);
  return sql`(${NAME} ILIKE ${pattern} OR ${leads.email} ILIKE ${pattern} OR ${leads.phone} ILIKE ${pattern})`;
}

/** The leads an agent may list: those they own or are a user of. */
export const memberOf = (memberId: number): SQL =>
  sql`(${leads.ownerId} = ${memberId} OR ${leads.id} IN (SELECT ${leadUsers.leadId} FROM ${leadUsers} WHERE ${leadUsers.userId} = ${memberId}))`;

/**
 * The lead search, with the sample of leads its phone searches are planned from (kept, as SQLite's store keeps it).
 * `db` is the pool's database or a transaction.
 */
export function createLeadSearch<S extends Record<string, unknown>>(db: PgDatabase<NodePgQueryResultHKT, S, ExtractTablesWithRelations<S>>) {
  let sampled: { lastId: number; texts: string[] } | null = null;

  /** The indexed text of leads spread over all ids: which digit trigrams many leads hold. */
  async function sampleTexts(): Promise<string[]> {
    const [newest] = await db.select({ id: sql<number | null>`max(${leads.id})` }).from(leads);
    const lastId = newest?.id ?? 0;
    if (sampled !== null && sampleStands(sampled.lastId, lastId)) return sampled.texts;
    const rows = await db.select({ text: sql<string>`${INDEXED_TEXT}` }).from(leads).where(inArray(leads.id, sampleIds(lastId)));
    const texts = rows.map((r) => r.text);
    sampled = { lastId, texts };
    return texts;
  }

  /** What the index looks up for a term of three or more characters: the term, or a phone's sparse parts. */
  async function lookedUp(term: string): Promise<string[]> {
    if (!isPlannedByDensity(term)) return [term];
    return sparseParts(term, denseTrigrams(term, await sampleTexts())) ?? [term];
  }

  async function searchCondition(term: string): Promise<SQL | undefined> {
    if ([...term].length < MIN_INDEXED_SEARCH) return inOneColumn(term);
    const parts = await lookedUp(term);
    return and(...parts.map((part) => sql`${INDEXED_TEXT} ILIKE ${likePattern(part)}`), inOneColumn(term));
  }

  /** The condition on `leads` for what the user typed; undefined for a blank text (every lead). */
  async function condition(text: string): Promise<SQL | undefined> {
    const term = searchTerm(text);
    return term === '' ? undefined : searchCondition(term);
  }

  return {
    condition,

    /** The ids of the leads that match `search`, newest first: at most `first`, all below `after`. */
    async leadIds(search: LeadSearch): Promise<number[]> {
      const me = search.memberId;
      const rows = await db.select({ id: leads.id }).from(leads)
        .where(and(
          await condition(search.text),
          me === null ? undefined : memberOf(me),
          search.after === null ? undefined : lt(leads.id, search.after),
        ))
        .orderBy(desc(leads.id))
        .limit(search.first);
      return rows.map((r) => r.id);
    },
  };
}

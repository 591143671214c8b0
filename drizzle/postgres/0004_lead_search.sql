-- The lead list's search on PostgreSQL (SQLite: the FTS5 trigram index of drizzle/0003 and 0007): a GIN
-- trigram index (pg_trgm, in PostgreSQL's contrib, which the server packages install) over the text a search
-- looks in, so that a case-insensitive substring (ILIKE '%term%') of a million leads is an index lookup, not
-- a scan. src/store/postgres/lead-search.ts queries it and must use this same expression.
--
-- The text: the name as SQLite's index holds it (first and last, one space), the email and the phone, one line
-- each. The phone as stored is already its digits (normalizePhone keeps an optional '+' and the digits, and
-- pg_trgm reads the '+' as a word break), so one index serves a name, an email part and a phone. A match that
-- spans two lines is ruled out by the query's per-column check, so each column is matched on its own, as FTS5
-- matches each column on its own.
--
-- Kept by the database in each lead's own transaction (GIN's pending list makes the insert cheap), so unlike
-- SQLite there is no batch indexer and no lag: lead_search_progress is unused here.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX leads_search_trgm ON leads USING gin (
  ((first_name || coalesce(' ' || last_name, '')) || E'\n' || coalesce(email, '') || E'\n' || coalesce(phone, '')) gin_trgm_ops
);

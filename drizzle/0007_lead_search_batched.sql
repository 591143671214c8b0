CREATE TABLE `lead_search_progress` (
	`id` integer PRIMARY KEY NOT NULL,
	`indexed_through` integer NOT NULL
);
--> statement-breakpoint
-- Leads are indexed for search in batches after they commit (services/search-indexing.ts), no longer
-- by a trigger in the lead's own transaction: FTS5 writes a segment per transaction and merges them,
-- which was 7 of a lead's ~32 pages per commit and ~45% of the pages every checkpoint copied.
-- Everything already in leads is in the index (migration 0003's trigger put it there).
INSERT OR REPLACE INTO `lead_search_progress` (id, indexed_through) SELECT 1, coalesce(max(id), 0) FROM `leads`;
--> statement-breakpoint
DROP TRIGGER `leads_search_insert`;
--> statement-breakpoint
DROP TRIGGER `leads_search_update`;
--> statement-breakpoint
DROP TRIGGER `leads_search_delete`;
--> statement-breakpoint
-- A lead not indexed yet needs nothing here: the indexer reads its current values when it gets to it.
CREATE TRIGGER `leads_search_update` AFTER UPDATE OF first_name, last_name, email, phone ON `leads`
  WHEN old.id <= (SELECT indexed_through FROM `lead_search_progress` WHERE id = 1)
BEGIN
  DELETE FROM `leads_search` WHERE rowid = old.id;
  INSERT INTO `leads_search`(rowid, name, email, phone)
    VALUES (new.id, new.first_name || coalesce(' ' || new.last_name, ''), new.email, new.phone);
END;
--> statement-breakpoint
CREATE TRIGGER `leads_search_delete` AFTER DELETE ON `leads`
  WHEN old.id <= (SELECT indexed_through FROM `lead_search_progress` WHERE id = 1)
BEGIN
  DELETE FROM `leads_search` WHERE rowid = old.id;
END;

-- The lead list's search: an FTS5 trigram index over the name (first and last), email and phone,
-- so that a case-insensitive substring of three or more characters is an index lookup, not a scan
-- of every lead. Contentless (the text lives in leads); triggers keep it in step with leads.
-- Not in schema.ts: drizzle-kit does not model virtual tables or triggers.
CREATE VIRTUAL TABLE `leads_search` USING fts5(name, email, phone, content='', contentless_delete=1, tokenize='trigram');
--> statement-breakpoint
INSERT INTO `leads_search`(rowid, name, email, phone)
  SELECT id, first_name || coalesce(' ' || last_name, ''), email, phone FROM `leads`;
--> statement-breakpoint
CREATE TRIGGER `leads_search_insert` AFTER INSERT ON `leads` BEGIN
  INSERT INTO `leads_search`(rowid, name, email, phone)
    VALUES (new.id, new.first_name || coalesce(' ' || new.last_name, ''), new.email, new.phone);
END;
--> statement-breakpoint
CREATE TRIGGER `leads_search_update` AFTER UPDATE OF first_name, last_name, email, phone ON `leads` BEGIN
  DELETE FROM `leads_search` WHERE rowid = old.id;
  INSERT INTO `leads_search`(rowid, name, email, phone)
    VALUES (new.id, new.first_name || coalesce(' ' || new.last_name, ''), new.email, new.phone);
END;
--> statement-breakpoint
CREATE TRIGGER `leads_search_delete` AFTER DELETE ON `leads` BEGIN
  DELETE FROM `leads_search` WHERE rowid = old.id;
END;

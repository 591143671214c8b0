-- The dashboard's rollups on PostgreSQL: the same counts as SQLite's triggers keep (drizzle/0005_lead_stats_rollups.sql,
-- whose header and src/store/schema.ts say what a row counts), kept by triggers on leads and offers in the
-- writer's own transaction. Hand-written (drizzle-kit does not model functions or triggers).
--
-- What differs from SQLite, and why: SQLite has one writer, so its triggers upsert the rollup rows at once.
-- Here several transactions write at the same time, and a rollup row is locked by the first that upserts it
-- until that transaction ends. Upserting at once would (1) hold today's hot rows (every new lead of a source
-- adds to one day row) for the whole of each routing transaction, serializing intake across instances, and
-- (2) deadlock: a transaction that adds a lead of source A and then one of source B, against one that does
-- B then A, waits on each other; no order of upserts inside one trigger can prevent that, since the order
-- is the order of the application's statements. So the row triggers only stage each change (one row per
-- counted change, in an unlogged table keyed by the transaction id), and one deferred constraint trigger
-- applies them when the transaction commits: summed per rollup row, every table in one fixed order
-- (lead_rollups, offer_rollups, accept_time_rollups, response_time_rollups) and every table's rows in key
-- order. Every transaction then takes rollup row locks in one global order, only at its commit: they can
-- wait for each other, never deadlock, and a hot row is held only while its commit runs. The sums are the
-- same as SQLite's, row for row, including rows that fall back to n = 0 (kept, as SQLite keeps them).
-- (A writer that runs SET CONSTRAINTS ALL IMMEDIATE gets its changes applied at each statement's end instead:
-- the same counts, but exposed again to the waits and deadlocks above.)
--
-- Arithmetic, the same as SQLite's on every time leadrace stores (after 1970):
-- - times are timestamptz(3); a time's epoch ms is extract(epoch) * 1000, exact (numeric).
-- - period = floor(epoch_ms / (span_days * 86,400,000)). (SQLite's integer division truncates toward zero;
--   the two differ only before 1970.)
-- - response time d = responded_at - offered_at in ms; bucket = whole seconds below 256 s, never below 0
--   (SQLite: max(0, CAST(d / 1000 AS INTEGER)), integer division truncating), from 256 s
--   trunc(128 * log2(d / 1000)) - 768 (SQLite's CAST(x AS INTEGER) truncates, PostgreSQL's ::int rounds, so
--   trunc() first; log2 in numeric is exact at the powers of two where a bucket starts on a whole number);
--   band = bucket >> 5.
-- - auto-accepted direct offers are left out: NOT (direct AND responded_at = offered_at), which is NULL (left
--   out) while a direct offer is PENDING, as in SQLite.
--
-- The 8- and 64-day rows are written only for periods listed in rollup_periods, looked up when the changes are
-- applied (at commit), after taking rollup_periods in ROW EXCLUSIVE mode. Summing a past period (what
-- lead-stats-store.ts does on first use) must take LOCK TABLE rollup_periods IN SHARE ROW EXCLUSIVE MODE first,
-- in the transaction that inserts the rollup_periods row and the sums, under READ COMMITTED: it then waits for
-- every commit that is applying changes, sums what they wrote, and any later commit sees the period listed and
-- adds to its row too. Without it, a commit that read rollup_periods just before the period was listed would
-- be missing from the period's sum.
--
-- No backfill (SQLite's 0005 fills the rollups from the rows already there): a PostgreSQL database gets this
-- migration before any lead or offer exists, since no leadrace server wrote to PostgreSQL before it. The first
-- statement checks that instead of assuming it, so a database that somehow has rows fails here rather than count
-- them wrong.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM leads) OR EXISTS (SELECT 1 FROM offers) THEN
    RAISE EXCEPTION 'lead_stats_rollups: leads or offers already hold rows, and this migration has no backfill for them';
  END IF;
END $$;
--> statement-breakpoint
-- A time as SQLite stores it: epoch milliseconds.
CREATE FUNCTION rollup_epoch_ms(t timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (extract(epoch FROM t) * 1000)::bigint $$;
--> statement-breakpoint
-- The period of `span_days` days that holds the time epoch_ms.
CREATE FUNCTION rollup_period(epoch_ms bigint, span_days integer) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT floor(epoch_ms::numeric / (span_days * 86400000::numeric))::integer $$;
--> statement-breakpoint
-- The response-time bucket of an offer answered d_ms after it was made (lead-stats-store.ts reads them).
CREATE FUNCTION rollup_response_bucket(d_ms bigint) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE WHEN d_ms < 256000 THEN greatest(0, d_ms / 1000)::integer
    ELSE trunc(128 * log(2, d_ms::numeric / 1000))::integer - 768 END $$;
--> statement-breakpoint
-- Changes made by transactions not yet committed, one row per counted lead or offer change (n = +1 or -1).
-- Unlogged: a row lives only inside its transaction (the commit deletes it; a crash loses the transaction too).
CREATE UNLOGGED TABLE lead_rollup_changes (
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  created_ms bigint NOT NULL,
  state text NOT NULL,
  source_id integer NOT NULL,
  status_code_id integer NOT NULL,
  n integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX lead_rollup_changes_xid ON lead_rollup_changes (xid);
--> statement-breakpoint
-- bucket: the response-time bucket of an answered offer (ACCEPTED or DECLINED with responded_at), else NULL.
CREATE UNLOGGED TABLE offer_rollup_changes (
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  offered_ms bigint NOT NULL,
  agent_id integer NOT NULL,
  state text NOT NULL,
  bucket integer,
  n integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX offer_rollup_changes_xid ON offer_rollup_changes (xid);
--> statement-breakpoint
-- A lead counts by created_at, state, source and status code (0: none). An update stages -1 under the old key
-- and +1 under the new one (applied as one sum, so a change within one rollup row nets 0).
CREATE FUNCTION lead_rollups_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO lead_rollup_changes (created_ms, state, source_id, status_code_id, n)
      VALUES (rollup_epoch_ms(OLD.created_at), OLD.state, OLD.source_id, coalesce(OLD.status_code_id, 0), -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO lead_rollup_changes (created_ms, state, source_id, status_code_id, n)
      VALUES (rollup_epoch_ms(NEW.created_at), NEW.state, NEW.source_id, coalesce(NEW.status_code_id, 0), 1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- An offer counts by offered_at, agent, state and response bucket, unless it is an auto-accepted direct offer
-- (the IS TRUE: a NULL, a direct offer not answered yet, is left out as SQLite's WHEN leaves it out).
CREATE FUNCTION offer_rollups_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND (NOT (OLD.direct AND OLD.responded_at = OLD.offered_at)) IS TRUE THEN
    INSERT INTO offer_rollup_changes (offered_ms, agent_id, state, bucket, n)
      VALUES (rollup_epoch_ms(OLD.offered_at), OLD.agent_id, OLD.state,
        CASE WHEN OLD.state IN ('ACCEPTED', 'DECLINED') AND OLD.responded_at IS NOT NULL
          THEN rollup_response_bucket(rollup_epoch_ms(OLD.responded_at) - rollup_epoch_ms(OLD.offered_at)) END, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND (NOT (NEW.direct AND NEW.responded_at = NEW.offered_at)) IS TRUE THEN
    INSERT INTO offer_rollup_changes (offered_ms, agent_id, state, bucket, n)
      VALUES (rollup_epoch_ms(NEW.offered_at), NEW.agent_id, NEW.state,
        CASE WHEN NEW.state IN ('ACCEPTED', 'DECLINED') AND NEW.responded_at IS NOT NULL
          THEN rollup_response_bucket(rollup_epoch_ms(NEW.responded_at) - rollup_epoch_ms(NEW.offered_at)) END, 1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Applies the transaction's staged changes to the rollups, at its commit (the first call does it; the calls
-- for the transaction's other rows find nothing left). Day and 512-day rows always; 8- and 64-day rows for
-- listed periods. Each INSERT sums per rollup row and goes in key order, the tables in this fixed order.
CREATE FUNCTION rollups_apply_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  me xid8 := pg_current_xact_id();
BEGIN
  IF NOT EXISTS (SELECT 1 FROM lead_rollup_changes WHERE xid = me)
    AND NOT EXISTS (SELECT 1 FROM offer_rollup_changes WHERE xid = me) THEN
    RETURN NULL;
  END IF;
  -- Waits for a transaction that is summing a past period (see the header), and holds it off until commit.
  LOCK TABLE rollup_periods IN ROW EXCLUSIVE MODE;

  INSERT INTO lead_rollups AS r (span_days, period, state, source_id, status_code_id, n)
    SELECT s.span_days, rollup_period(c.created_ms, s.span_days), c.state, c.source_id, c.status_code_id, sum(c.n)
    FROM lead_rollup_changes AS c CROSS JOIN (VALUES (1), (8), (64), (512)) AS s(span_days)
    WHERE c.xid = me AND (s.span_days IN (1, 512) OR EXISTS (SELECT 1 FROM rollup_periods AS p
      WHERE p.span_days = s.span_days AND p.period = rollup_period(c.created_ms, s.span_days)))
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (span_days, period, state, source_id, status_code_id) DO UPDATE SET n = r.n + excluded.n;
  DELETE FROM lead_rollup_changes WHERE xid = me;

  INSERT INTO offer_rollups AS r (span_days, period, agent_id, state, band, n)
    SELECT s.span_days, rollup_period(c.offered_ms, s.span_days), c.agent_id, c.state,
      CASE WHEN c.bucket IS NULL THEN -1 ELSE c.bucket >> 5 END, sum(c.n)
    FROM offer_rollup_changes AS c CROSS JOIN (VALUES (1), (8), (64), (512)) AS s(span_days)
    WHERE c.xid = me AND (s.span_days IN (1, 512) OR EXISTS (SELECT 1 FROM rollup_periods AS p
      WHERE p.span_days = s.span_days AND p.period = rollup_period(c.offered_ms, s.span_days)))
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (span_days, period, agent_id, state, band) DO UPDATE SET n = r.n + excluded.n;

  INSERT INTO accept_time_rollups AS r (span_days, period, bucket, n)
    SELECT s.span_days, rollup_period(c.offered_ms, s.span_days), c.bucket, sum(c.n)
    FROM offer_rollup_changes AS c CROSS JOIN (VALUES (1), (8), (64), (512)) AS s(span_days)
    WHERE c.xid = me AND c.state = 'ACCEPTED' AND c.bucket IS NOT NULL
      AND (s.span_days IN (1, 512) OR EXISTS (SELECT 1 FROM rollup_periods AS p
        WHERE p.span_days = s.span_days AND p.period = rollup_period(c.offered_ms, s.span_days)))
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (span_days, period, bucket) DO UPDATE SET n = r.n + excluded.n;

  INSERT INTO response_time_rollups AS r (span_days, period, agent_id, bucket, n)
    SELECT s.span_days, rollup_period(c.offered_ms, s.span_days), c.agent_id, c.bucket, sum(c.n)
    FROM offer_rollup_changes AS c CROSS JOIN (VALUES (1), (8), (64), (512)) AS s(span_days)
    WHERE c.xid = me AND c.bucket IS NOT NULL
      AND (s.span_days IN (1, 512) OR EXISTS (SELECT 1 FROM rollup_periods AS p
        WHERE p.span_days = s.span_days AND p.period = rollup_period(c.offered_ms, s.span_days)))
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (span_days, period, agent_id, bucket) DO UPDATE SET n = r.n + excluded.n;
  DELETE FROM offer_rollup_changes WHERE xid = me;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER lead_rollups_1_stage AFTER INSERT OR DELETE ON leads
  FOR EACH ROW EXECUTE FUNCTION lead_rollups_stage();
--> statement-breakpoint
CREATE TRIGGER lead_rollups_1_stage_update AFTER UPDATE OF state, source_id, status_code_id, created_at ON leads
  FOR EACH ROW WHEN ((OLD.state, OLD.source_id, OLD.status_code_id, OLD.created_at)
    IS DISTINCT FROM (NEW.state, NEW.source_id, NEW.status_code_id, NEW.created_at))
  EXECUTE FUNCTION lead_rollups_stage();
--> statement-breakpoint
CREATE TRIGGER offer_rollups_1_stage AFTER INSERT OR DELETE ON offers
  FOR EACH ROW EXECUTE FUNCTION offer_rollups_stage();
--> statement-breakpoint
CREATE TRIGGER offer_rollups_1_stage_update AFTER UPDATE OF agent_id, state, direct, offered_at, responded_at ON offers
  FOR EACH ROW WHEN ((OLD.agent_id, OLD.state, OLD.direct, OLD.offered_at, OLD.responded_at)
    IS DISTINCT FROM (NEW.agent_id, NEW.state, NEW.direct, NEW.offered_at, NEW.responded_at))
  EXECUTE FUNCTION offer_rollups_stage();
--> statement-breakpoint
-- At commit (deferred): one event per changed row, so a transaction that changed nothing counted applies nothing.
-- PostgreSQL fires a row's triggers in name order: the 2_apply ones after the 1_stage ones, so that a writer
-- that sets these constraints IMMEDIATE gets its changes applied at the end of each statement.
CREATE CONSTRAINT TRIGGER lead_rollups_2_apply AFTER INSERT OR DELETE ON leads
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollups_apply_changes();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER lead_rollups_2_apply_update AFTER UPDATE OF state, source_id, status_code_id, created_at ON leads
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((OLD.state, OLD.source_id, OLD.status_code_id, OLD.created_at)
    IS DISTINCT FROM (NEW.state, NEW.source_id, NEW.status_code_id, NEW.created_at))
  EXECUTE FUNCTION rollups_apply_changes();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER offer_rollups_2_apply AFTER INSERT OR DELETE ON offers
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollups_apply_changes();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER offer_rollups_2_apply_update AFTER UPDATE OF agent_id, state, direct, offered_at, responded_at ON offers
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((OLD.agent_id, OLD.state, OLD.direct, OLD.offered_at, OLD.responded_at)
    IS DISTINCT FROM (NEW.agent_id, NEW.state, NEW.direct, NEW.offered_at, NEW.responded_at))
  EXECUTE FUNCTION rollups_apply_changes();

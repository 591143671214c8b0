-- The rollups' apply at commit (0011's rollups_apply_changes) runs its probe once per transaction that
-- staged something, not once per changed row. Hand-written (drizzle-kit does not model functions).
--
-- PostgreSQL has no deferred statement-level triggers, so the apply is a deferred constraint trigger FOR
-- EACH ROW: at commit it is called once for every lead and offer row the transaction changed. The first
-- call applies and deletes the staged rows; until now every other call still ran the probe (three index
-- lookups on the staging tables) to find nothing left. Measured on the deadline benchmark on one instance
-- (pg_stat_statements): 12,400 probes, 0.14 ms each, 1.7 s of the backends' time, about a fifth of it.
--
-- Now the stage functions mark the transaction (a transaction-local setting, leadrace.rollups_staged)
-- and the apply returns at once unless it is marked; the call that applies clears the mark. A setting made
-- with set_config(..., true) follows the transaction's savepoints: rolled back with a savepoint whose
-- staged rows are rolled back, kept with one released. Rows staged after an apply (a SET CONSTRAINTS ...
-- IMMEDIATE in mid-transaction fires the apply early) mark it again, and their own apply calls, queued
-- with them, find the mark.
CREATE OR REPLACE FUNCTION lead_rollups_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO lead_rollup_changes (created_ms, state, source_id, status_code_id, n)
      VALUES (rollup_epoch_ms(OLD.created_at), OLD.state, OLD.source_id, coalesce(OLD.status_code_id, 0), -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO lead_rollup_changes (created_ms, state, source_id, status_code_id, n)
      VALUES (rollup_epoch_ms(NEW.created_at), NEW.state, NEW.source_id, coalesce(NEW.status_code_id, 0), 1);
  END IF;
  PERFORM set_config('leadrace.rollups_staged', 'on', true);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION offer_rollups_stage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  staged boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' AND (NOT (OLD.direct AND OLD.responded_at = OLD.offered_at)) IS TRUE THEN
    INSERT INTO offer_rollup_changes (offered_ms, agent_id, state, bucket, n)
      VALUES (rollup_epoch_ms(OLD.offered_at), OLD.agent_id, OLD.state,
        CASE WHEN OLD.state IN ('ACCEPTED', 'DECLINED') AND OLD.responded_at IS NOT NULL
          THEN rollup_response_bucket(rollup_epoch_ms(OLD.responded_at) - rollup_epoch_ms(OLD.offered_at)) END, -1);
    staged := true;
  END IF;
  IF TG_OP <> 'DELETE' AND (NOT (NEW.direct AND NEW.responded_at = NEW.offered_at)) IS TRUE THEN
    INSERT INTO offer_rollup_changes (offered_ms, agent_id, state, bucket, n)
      VALUES (rollup_epoch_ms(NEW.offered_at), NEW.agent_id, NEW.state,
        CASE WHEN NEW.state IN ('ACCEPTED', 'DECLINED') AND NEW.responded_at IS NOT NULL
          THEN rollup_response_bucket(rollup_epoch_ms(NEW.responded_at) - rollup_epoch_ms(NEW.offered_at)) END, 1);
    staged := true;
  END IF;
  IF staged THEN
    PERFORM set_config('leadrace.rollups_staged', 'on', true);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION rollups_apply_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  me xid8 := pg_current_xact_id();
  has_leads boolean;
  has_offers boolean;
  has_answers boolean;
BEGIN
  -- Nothing staged since the last apply (the header): the other rows' calls end here.
  IF current_setting('leadrace.rollups_staged', true) IS DISTINCT FROM 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('leadrace.rollups_staged', 'off', true);
  SELECT EXISTS (SELECT 1 FROM lead_rollup_changes WHERE xid = me),
    EXISTS (SELECT 1 FROM offer_rollup_changes WHERE xid = me),
    EXISTS (SELECT 1 FROM offer_rollup_changes WHERE xid = me AND bucket IS NOT NULL)
    INTO has_leads, has_offers, has_answers;
  IF NOT (has_leads OR has_offers) THEN
    RETURN NULL;
  END IF;
  -- Waits for a transaction that is summing a past period (0003's header), and holds it off until commit.
  LOCK TABLE rollup_periods IN ROW EXCLUSIVE MODE;

  IF has_leads THEN
    WITH c AS (DELETE FROM lead_rollup_changes WHERE xid = me RETURNING created_ms, state, source_id, status_code_id, n)
    INSERT INTO lead_rollups AS r (span_days, period, state, source_id, status_code_id, n)
      SELECT s.span_days, rollup_period(c.created_ms, s.span_days), c.state, c.source_id, c.status_code_id, sum(c.n)
      FROM c CROSS JOIN (VALUES (1), (8), (64), (512)) AS s(span_days)
      WHERE s.span_days IN (1, 512) OR EXISTS (SELECT 1 FROM rollup_periods AS p
        WHERE p.span_days = s.span_days AND p.period = rollup_period(c.created_ms, s.span_days))
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (span_days, period, state, source_id, status_code_id) DO UPDATE SET n = r.n + excluded.n;
  END IF;

  IF has_offers AND NOT has_answers THEN
    -- New and closed offers, none answered: offer_rollups alone, taking the staged rows as it goes.
    WITH c AS (DELETE FROM offer_rollup_changes WHERE xid = me RETURNING offered_ms, agent_id, state, bucket, n)
    INSERT INTO offer_rollups AS r (span_days, period, agent_id, state, band, n)
      SELECT s.span_days, rollup_period(c.offered_ms, s.span_days), c.agent_id, c.state,
        CASE WHEN c.bucket IS NULL THEN -1 ELSE c.bucket >> 5 END, sum(c.n)
      FROM c CROSS JOIN (VALUES (1), (8), (64), (512)) AS s(span_days)
      WHERE s.span_days IN (1, 512) OR EXISTS (SELECT 1 FROM rollup_periods AS p
        WHERE p.span_days = s.span_days AND p.period = rollup_period(c.offered_ms, s.span_days))
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (span_days, period, agent_id, state, band) DO UPDATE SET n = r.n + excluded.n;
  ELSIF has_offers THEN
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

    WITH c AS (DELETE FROM offer_rollup_changes WHERE xid = me RETURNING offered_ms, agent_id, bucket, n)
    INSERT INTO response_time_rollups AS r (span_days, period, agent_id, bucket, n)
      SELECT s.span_days, rollup_period(c.offered_ms, s.span_days), c.agent_id, c.bucket, sum(c.n)
      FROM c CROSS JOIN (VALUES (1), (8), (64), (512)) AS s(span_days)
      WHERE c.bucket IS NOT NULL
        AND (s.span_days IN (1, 512) OR EXISTS (SELECT 1 FROM rollup_periods AS p
          WHERE p.span_days = s.span_days AND p.period = rollup_period(c.offered_ms, s.span_days)))
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (span_days, period, agent_id, bucket) DO UPDATE SET n = r.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;

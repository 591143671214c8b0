-- The rollups' apply at commit (0003's rollups_apply_changes), in fewer statements. Hand-written
-- (drizzle-kit does not model functions). The same sums, tables and rows, taken in the same order.
--
-- Each statement a trigger function runs costs an executor start and end inside PostgreSQL, whatever it
-- finds. On the routing path (a lead and its offer made in one transaction, one instance, the speed
-- benchmark) PostgreSQL's backends spent a fifth of their time in these triggers (perf). 0003's apply ran
-- eight statements for that transaction: two probes, the lock, four upserts (two of them for answered
-- offers, which a new offer never is) and two deletes. This one runs four: one probe (what is staged: leads,
-- offers, answered offers), the lock, and one statement per rollup table that has rows to add, each taking
-- the staged rows with a DELETE ... RETURNING in the same statement. Answered offers feed three tables; their
-- staged rows are deleted after the third upsert, as before. The tables are still upserted in 0003's fixed
-- order (lead_rollups, offer_rollups, accept_time_rollups, response_time_rollups) and each one's rows in key
-- order, so commits still take rollup row locks in one global order.
CREATE OR REPLACE FUNCTION rollups_apply_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  me xid8 := pg_current_xact_id();
  has_leads boolean;
  has_offers boolean;
  has_answers boolean;
BEGIN
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

CREATE TABLE `accept_time_rollups` (
	`span_days` integer NOT NULL,
	`period` integer NOT NULL,
	`bucket` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`span_days`, `period`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `lead_rollups` (
	`span_days` integer NOT NULL,
	`period` integer NOT NULL,
	`state` text NOT NULL,
	`source_id` integer NOT NULL,
	`status_code_id` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`span_days`, `period`, `state`, `source_id`, `status_code_id`)
);
--> statement-breakpoint
CREATE TABLE `offer_rollups` (
	`span_days` integer NOT NULL,
	`period` integer NOT NULL,
	`agent_id` integer NOT NULL,
	`state` text NOT NULL,
	`band` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`span_days`, `period`, `agent_id`, `state`, `band`)
);
--> statement-breakpoint
CREATE TABLE `response_time_rollups` (
	`span_days` integer NOT NULL,
	`period` integer NOT NULL,
	`agent_id` integer NOT NULL,
	`bucket` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`span_days`, `period`, `agent_id`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `rollup_periods` (
	`span_days` integer NOT NULL,
	`period` integer NOT NULL,
	PRIMARY KEY(`span_days`, `period`)
);
--> statement-breakpoint
-- Hand-written below the generated tables (drizzle-kit does not model triggers): the dashboard's
-- rollups (schema.ts) filled from the rows already there, then kept in step by triggers on every
-- insert, update and delete of a lead or an offer, in the writer's own transaction.
--
-- Each trigger statement is one UPSERT: INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n.
-- An update that changes a counted column moves the row: n - 1 under its old key, n + 1 under its new.
-- Always written: the day row and the 512-day row. The 8- and 64-day rows only for the periods listed
-- in rollup_periods (lead-stats-store.ts sums a period from its parts once it is past), so a write of
-- today's leads and offers touches two rows per rollup.
--
-- Offers leave out the auto-accepted direct offers exactly as the dashboard always has:
-- NOT (direct = 1 AND responded_at = offered_at), which is NULL (left out) while a direct offer is
-- PENDING. Response time d = responded_at - offered_at (ms): bucket = whole seconds below 256 s
-- (never below 0), from 256 s floor(128 * log2(seconds)) - 768 (128 buckets per doubling, each under
-- 0.55 % wide); band = bucket >> 5. lead-stats-store.ts reads them with the same rule.
INSERT INTO `lead_rollups` (span_days, period, state, source_id, status_code_id, n)
  SELECT 1, CAST(created_at / 86400000 AS INTEGER), state, source_id, coalesce(status_code_id, 0), count(*)
  FROM `leads` GROUP BY 2, 3, 4, 5;
--> statement-breakpoint
INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n)
  SELECT 1, CAST(offered_at / 86400000 AS INTEGER), agent_id, state,
    CASE WHEN state IN ('ACCEPTED', 'DECLINED') AND responded_at IS NOT NULL
      THEN (CASE WHEN (responded_at - offered_at) < 256000 THEN max(0, CAST((responded_at - offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((responded_at - offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, count(*)
  FROM `offers` WHERE NOT (direct = 1 AND responded_at = offered_at) GROUP BY 2, 3, 4, 5;
--> statement-breakpoint
INSERT INTO `accept_time_rollups` (span_days, period, bucket, n)
  SELECT 1, CAST(offered_at / 86400000 AS INTEGER),
    CASE WHEN (responded_at - offered_at) < 256000 THEN max(0, CAST((responded_at - offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((responded_at - offered_at) / 1000.0) AS INTEGER) - 768 END, count(*)
  FROM `offers` WHERE NOT (direct = 1 AND responded_at = offered_at) AND state = 'ACCEPTED' AND responded_at IS NOT NULL GROUP BY 2, 3;
--> statement-breakpoint
INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n)
  SELECT 1, CAST(offered_at / 86400000 AS INTEGER), agent_id,
    CASE WHEN (responded_at - offered_at) < 256000 THEN max(0, CAST((responded_at - offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((responded_at - offered_at) / 1000.0) AS INTEGER) - 768 END, count(*)
  FROM `offers` WHERE NOT (direct = 1 AND responded_at = offered_at) AND state IN ('ACCEPTED', 'DECLINED') AND responded_at IS NOT NULL GROUP BY 2, 3, 4;
--> statement-breakpoint
INSERT INTO `lead_rollups` (span_days, period, state, source_id, status_code_id, n)
  SELECT 512, period / 512, state, source_id, status_code_id, sum(n) FROM `lead_rollups` WHERE span_days = 1 GROUP BY 2, state, source_id, status_code_id;
--> statement-breakpoint
INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n)
  SELECT 512, period / 512, agent_id, state, band, sum(n) FROM `offer_rollups` WHERE span_days = 1 GROUP BY 2, agent_id, state, band;
--> statement-breakpoint
INSERT INTO `accept_time_rollups` (span_days, period, bucket, n)
  SELECT 512, period / 512, bucket, sum(n) FROM `accept_time_rollups` WHERE span_days = 1 GROUP BY 2, bucket;
--> statement-breakpoint
INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n)
  SELECT 512, period / 512, agent_id, bucket, sum(n) FROM `response_time_rollups` WHERE span_days = 1 GROUP BY 2, agent_id, bucket;
--> statement-breakpoint
CREATE TRIGGER `lead_rollups_insert` AFTER INSERT ON `leads`
BEGIN
  INSERT INTO `lead_rollups` (span_days, period, state, source_id, status_code_id, n) VALUES
    (1, CAST(new.created_at / 86400000 AS INTEGER), new.state, new.source_id, coalesce(new.status_code_id, 0), 1),
    (512, CAST(new.created_at / 44236800000 AS INTEGER), new.state, new.source_id, coalesce(new.status_code_id, 0), 1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `lead_rollups` (span_days, period, state, source_id, status_code_id, n)
  SELECT p.span_days, p.period, new.state, new.source_id, coalesce(new.status_code_id, 0), 1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(new.created_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(new.created_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `lead_rollups_update` AFTER UPDATE OF state, source_id, status_code_id, created_at ON `leads`
WHEN old.state IS NOT new.state OR old.source_id IS NOT new.source_id OR old.status_code_id IS NOT new.status_code_id
  OR old.created_at IS NOT new.created_at
BEGIN
  INSERT INTO `lead_rollups` (span_days, period, state, source_id, status_code_id, n) VALUES
    (1, CAST(old.created_at / 86400000 AS INTEGER), old.state, old.source_id, coalesce(old.status_code_id, 0), -1),
    (512, CAST(old.created_at / 44236800000 AS INTEGER), old.state, old.source_id, coalesce(old.status_code_id, 0), -1),
    (1, CAST(new.created_at / 86400000 AS INTEGER), new.state, new.source_id, coalesce(new.status_code_id, 0), 1),
    (512, CAST(new.created_at / 44236800000 AS INTEGER), new.state, new.source_id, coalesce(new.status_code_id, 0), 1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `lead_rollups` (span_days, period, state, source_id, status_code_id, n)
  SELECT p.span_days, p.period, old.state, old.source_id, coalesce(old.status_code_id, 0), -1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(old.created_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(old.created_at / 5529600000 AS INTEGER))
  UNION ALL
  SELECT p.span_days, p.period, new.state, new.source_id, coalesce(new.status_code_id, 0), 1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(new.created_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(new.created_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `lead_rollups_delete` AFTER DELETE ON `leads`
BEGIN
  INSERT INTO `lead_rollups` (span_days, period, state, source_id, status_code_id, n) VALUES
    (1, CAST(old.created_at / 86400000 AS INTEGER), old.state, old.source_id, coalesce(old.status_code_id, 0), -1),
    (512, CAST(old.created_at / 44236800000 AS INTEGER), old.state, old.source_id, coalesce(old.status_code_id, 0), -1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `lead_rollups` (span_days, period, state, source_id, status_code_id, n)
  SELECT p.span_days, p.period, old.state, old.source_id, coalesce(old.status_code_id, 0), -1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(old.created_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(old.created_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `offer_rollups_insert` AFTER INSERT ON `offers`
WHEN NOT (new.direct = 1 AND new.responded_at = new.offered_at)
BEGIN
  INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n) VALUES
    (1, CAST(new.offered_at / 86400000 AS INTEGER), new.agent_id, new.state, CASE WHEN new.state IN ('ACCEPTED', 'DECLINED') AND new.responded_at IS NOT NULL
      THEN (CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, 1),
    (512, CAST(new.offered_at / 44236800000 AS INTEGER), new.agent_id, new.state, CASE WHEN new.state IN ('ACCEPTED', 'DECLINED') AND new.responded_at IS NOT NULL
      THEN (CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, 1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n)
  SELECT p.span_days, p.period, new.agent_id, new.state, CASE WHEN new.state IN ('ACCEPTED', 'DECLINED') AND new.responded_at IS NOT NULL
      THEN (CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, 1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(new.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(new.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `response_time_rollups_insert` AFTER INSERT ON `offers`
WHEN NOT (new.direct = 1 AND new.responded_at = new.offered_at)
  AND new.state IN ('ACCEPTED', 'DECLINED') AND new.responded_at IS NOT NULL
BEGIN
  INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n) VALUES
    (1, CAST(new.offered_at / 86400000 AS INTEGER), new.agent_id, CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1),
    (512, CAST(new.offered_at / 44236800000 AS INTEGER), new.agent_id, CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n)
  SELECT p.span_days, p.period, new.agent_id, CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(new.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(new.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `accept_time_rollups_insert` AFTER INSERT ON `offers`
WHEN NOT (new.direct = 1 AND new.responded_at = new.offered_at)
  AND new.state = 'ACCEPTED' AND new.responded_at IS NOT NULL
BEGIN
  INSERT INTO `accept_time_rollups` (span_days, period, bucket, n) VALUES
    (1, CAST(new.offered_at / 86400000 AS INTEGER), CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1),
    (512, CAST(new.offered_at / 44236800000 AS INTEGER), CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `accept_time_rollups` (span_days, period, bucket, n)
  SELECT p.span_days, p.period, CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(new.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(new.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `offer_rollups_update_old` AFTER UPDATE OF agent_id, state, direct, offered_at, responded_at ON `offers`
WHEN (old.agent_id IS NOT new.agent_id OR old.state IS NOT new.state OR old.direct IS NOT new.direct
  OR old.offered_at IS NOT new.offered_at OR old.responded_at IS NOT new.responded_at)
  AND NOT (old.direct = 1 AND old.responded_at = old.offered_at)
BEGIN
  INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n) VALUES
    (1, CAST(old.offered_at / 86400000 AS INTEGER), old.agent_id, old.state, CASE WHEN old.state IN ('ACCEPTED', 'DECLINED') AND old.responded_at IS NOT NULL
      THEN (CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, -1),
    (512, CAST(old.offered_at / 44236800000 AS INTEGER), old.agent_id, old.state, CASE WHEN old.state IN ('ACCEPTED', 'DECLINED') AND old.responded_at IS NOT NULL
      THEN (CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, -1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n)
  SELECT p.span_days, p.period, old.agent_id, old.state, CASE WHEN old.state IN ('ACCEPTED', 'DECLINED') AND old.responded_at IS NOT NULL
      THEN (CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, -1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(old.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(old.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `response_time_rollups_update_old` AFTER UPDATE OF agent_id, state, direct, offered_at, responded_at ON `offers`
WHEN (old.agent_id IS NOT new.agent_id OR old.state IS NOT new.state OR old.direct IS NOT new.direct
  OR old.offered_at IS NOT new.offered_at OR old.responded_at IS NOT new.responded_at)
  AND NOT (old.direct = 1 AND old.responded_at = old.offered_at)
  AND old.state IN ('ACCEPTED', 'DECLINED') AND old.responded_at IS NOT NULL
BEGIN
  INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n) VALUES
    (1, CAST(old.offered_at / 86400000 AS INTEGER), old.agent_id, CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1),
    (512, CAST(old.offered_at / 44236800000 AS INTEGER), old.agent_id, CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n)
  SELECT p.span_days, p.period, old.agent_id, CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(old.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(old.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `accept_time_rollups_update_old` AFTER UPDATE OF agent_id, state, direct, offered_at, responded_at ON `offers`
WHEN (old.agent_id IS NOT new.agent_id OR old.state IS NOT new.state OR old.direct IS NOT new.direct
  OR old.offered_at IS NOT new.offered_at OR old.responded_at IS NOT new.responded_at)
  AND NOT (old.direct = 1 AND old.responded_at = old.offered_at)
  AND old.state = 'ACCEPTED' AND old.responded_at IS NOT NULL
BEGIN
  INSERT INTO `accept_time_rollups` (span_days, period, bucket, n) VALUES
    (1, CAST(old.offered_at / 86400000 AS INTEGER), CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1),
    (512, CAST(old.offered_at / 44236800000 AS INTEGER), CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `accept_time_rollups` (span_days, period, bucket, n)
  SELECT p.span_days, p.period, CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(old.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(old.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `offer_rollups_update_new` AFTER UPDATE OF agent_id, state, direct, offered_at, responded_at ON `offers`
WHEN (old.agent_id IS NOT new.agent_id OR old.state IS NOT new.state OR old.direct IS NOT new.direct
  OR old.offered_at IS NOT new.offered_at OR old.responded_at IS NOT new.responded_at)
  AND NOT (new.direct = 1 AND new.responded_at = new.offered_at)
BEGIN
  INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n) VALUES
    (1, CAST(new.offered_at / 86400000 AS INTEGER), new.agent_id, new.state, CASE WHEN new.state IN ('ACCEPTED', 'DECLINED') AND new.responded_at IS NOT NULL
      THEN (CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, 1),
    (512, CAST(new.offered_at / 44236800000 AS INTEGER), new.agent_id, new.state, CASE WHEN new.state IN ('ACCEPTED', 'DECLINED') AND new.responded_at IS NOT NULL
      THEN (CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, 1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n)
  SELECT p.span_days, p.period, new.agent_id, new.state, CASE WHEN new.state IN ('ACCEPTED', 'DECLINED') AND new.responded_at IS NOT NULL
      THEN (CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, 1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(new.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(new.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `response_time_rollups_update_new` AFTER UPDATE OF agent_id, state, direct, offered_at, responded_at ON `offers`
WHEN (old.agent_id IS NOT new.agent_id OR old.state IS NOT new.state OR old.direct IS NOT new.direct
  OR old.offered_at IS NOT new.offered_at OR old.responded_at IS NOT new.responded_at)
  AND NOT (new.direct = 1 AND new.responded_at = new.offered_at)
  AND new.state IN ('ACCEPTED', 'DECLINED') AND new.responded_at IS NOT NULL
BEGIN
  INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n) VALUES
    (1, CAST(new.offered_at / 86400000 AS INTEGER), new.agent_id, CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1),
    (512, CAST(new.offered_at / 44236800000 AS INTEGER), new.agent_id, CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n)
  SELECT p.span_days, p.period, new.agent_id, CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(new.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(new.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `accept_time_rollups_update_new` AFTER UPDATE OF agent_id, state, direct, offered_at, responded_at ON `offers`
WHEN (old.agent_id IS NOT new.agent_id OR old.state IS NOT new.state OR old.direct IS NOT new.direct
  OR old.offered_at IS NOT new.offered_at OR old.responded_at IS NOT new.responded_at)
  AND NOT (new.direct = 1 AND new.responded_at = new.offered_at)
  AND new.state = 'ACCEPTED' AND new.responded_at IS NOT NULL
BEGIN
  INSERT INTO `accept_time_rollups` (span_days, period, bucket, n) VALUES
    (1, CAST(new.offered_at / 86400000 AS INTEGER), CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1),
    (512, CAST(new.offered_at / 44236800000 AS INTEGER), CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `accept_time_rollups` (span_days, period, bucket, n)
  SELECT p.span_days, p.period, CASE WHEN (new.responded_at - new.offered_at) < 256000 THEN max(0, CAST((new.responded_at - new.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((new.responded_at - new.offered_at) / 1000.0) AS INTEGER) - 768 END, 1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(new.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(new.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `offer_rollups_delete` AFTER DELETE ON `offers`
WHEN NOT (old.direct = 1 AND old.responded_at = old.offered_at)
BEGIN
  INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n) VALUES
    (1, CAST(old.offered_at / 86400000 AS INTEGER), old.agent_id, old.state, CASE WHEN old.state IN ('ACCEPTED', 'DECLINED') AND old.responded_at IS NOT NULL
      THEN (CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, -1),
    (512, CAST(old.offered_at / 44236800000 AS INTEGER), old.agent_id, old.state, CASE WHEN old.state IN ('ACCEPTED', 'DECLINED') AND old.responded_at IS NOT NULL
      THEN (CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, -1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `offer_rollups` (span_days, period, agent_id, state, band, n)
  SELECT p.span_days, p.period, old.agent_id, old.state, CASE WHEN old.state IN ('ACCEPTED', 'DECLINED') AND old.responded_at IS NOT NULL
      THEN (CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END) >> 5 ELSE -1 END, -1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(old.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(old.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `response_time_rollups_delete` AFTER DELETE ON `offers`
WHEN NOT (old.direct = 1 AND old.responded_at = old.offered_at)
  AND old.state IN ('ACCEPTED', 'DECLINED') AND old.responded_at IS NOT NULL
BEGIN
  INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n) VALUES
    (1, CAST(old.offered_at / 86400000 AS INTEGER), old.agent_id, CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1),
    (512, CAST(old.offered_at / 44236800000 AS INTEGER), old.agent_id, CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `response_time_rollups` (span_days, period, agent_id, bucket, n)
  SELECT p.span_days, p.period, old.agent_id, CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(old.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(old.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
--> statement-breakpoint
CREATE TRIGGER `accept_time_rollups_delete` AFTER DELETE ON `offers`
WHEN NOT (old.direct = 1 AND old.responded_at = old.offered_at)
  AND old.state = 'ACCEPTED' AND old.responded_at IS NOT NULL
BEGIN
  INSERT INTO `accept_time_rollups` (span_days, period, bucket, n) VALUES
    (1, CAST(old.offered_at / 86400000 AS INTEGER), CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1),
    (512, CAST(old.offered_at / 44236800000 AS INTEGER), CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1)
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO `accept_time_rollups` (span_days, period, bucket, n)
  SELECT p.span_days, p.period, CASE WHEN (old.responded_at - old.offered_at) < 256000 THEN max(0, CAST((old.responded_at - old.offered_at) / 1000 AS INTEGER))
      ELSE CAST(128 * log2((old.responded_at - old.offered_at) / 1000.0) AS INTEGER) - 768 END, -1 FROM `rollup_periods` AS p
    WHERE (p.span_days = 8 AND p.period = CAST(old.offered_at / 691200000 AS INTEGER))
      OR (p.span_days = 64 AND p.period = CAST(old.offered_at / 5529600000 AS INTEGER))
  ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

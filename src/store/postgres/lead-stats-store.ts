// The dashboard's figures on PostgreSQL, read from the rollups of drizzle/postgres/0003 as SQLite's store
// reads its own (../sqlite/lead-stats-store.ts says what the rollups hold and why they are read this way): a
// range is cut into whole periods (lead-stats-rules.ts planRange), the partial days at its ends are read from
// the raw rows, and the 8- and 64-day periods a range needs that are past but not yet summed are summed first,
// once (afterwards the triggers keep them current).
//
// What differs from SQLite, and why:
// - One snapshot. Outside a transaction the figures are read in a REPEATABLE READ transaction of the store's
//   own, so that every figure sees the same rows however many statements `fn` runs (under READ COMMITTED each
//   statement would see the commits made since the one before).
// - Summing a past period takes LOCK TABLE rollup_periods IN SHARE ROW EXCLUSIVE MODE first, in a READ
//   COMMITTED transaction, as the header of 0003 requires: it waits for every commit that is applying its
//   changes to the rollups, so the sum holds them, and every later commit finds the period listed and adds to
//   it. The lock must come before the transaction's snapshot is taken, which a REPEATABLE READ transaction
//   takes at its first statement, and the reader cannot know what to sum before it has read the extent. So the
//   reading transaction only checks: when a period it needs is not summed, it ends, the periods are summed in
//   a READ COMMITTED transaction of their own, and the read starts again (once per period, ever).
// - Changes not applied yet. The triggers stage each change and apply them at commit, so inside a transaction
//   that wrote leads or offers the rollups do not hold them yet; SQLite's, applied at once, do. Read inside a
//   transaction, the figures add that transaction's staged changes (lead_rollup_changes and
//   offer_rollup_changes of its own xid), so they count its writes as SQLite's do. The lock of a sum taken
//   there is held until that transaction ends, and holds off every other commit of leads or offers meanwhile:
//   the services read the figures outside transactions.
import { sql, type SQL } from 'drizzle-orm';
import type { AgentBucketCount, AgentBuckets, BucketCount, LeadCount, LeadStatsStore, OfferCount, ReclaimCount, StatsReader } from '../port.js';
import {
  BAND_SHIFT, DAY_MS, LIVE_SPAN, mergeCounts, planRange, type Piece, type RangePlan, type RollupExtent, type StatsRange,
} from '../lead-stats-rules.js';
import type { PgContext, PgExecutor } from './context.js';
import { intArray } from './prebuilt.js';

/** Runs its callback in a REPEATABLE READ transaction of its own (pg-store.ts). */
export type OwnTransaction = <T>(fn: (ctx: PgContext) => Promise<T>) => Promise<T>;

/** How often a read may find periods to sum before it gives up: each time sums what it found, so 2 is the norm. */
const MAX_READS = 5;

/** An 8- or 64-day period not summed yet. */
interface Period { spanDays: number; period: number }

/** The offers of a range's edges (raw rows) or staged changes, counted per agent, state and response bucket. */
interface OfferTally { agentId: number; state: string; bucket: number | null; n: number }

/** An offer an agent answered or could have answered: not an auto-accepted direct lead (as the triggers count). */
const REAL_OFFER = sql.raw('NOT (direct AND responded_at = offered_at)');
const OFFER_STATES = sql.raw("('PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN')");
/** The transaction's own staged rollup changes (its xid is assigned by its first write; NULL matches nothing). */
const OWN_STAGED = sql.raw('xid = pg_current_xact_id_if_assigned()');

/**
 * The rows of a query as `T`: node-postgres hands back plain objects keyed by the query's aliases, unchecked
 * (as drizzle's execute<T> would type them; this also takes interfaces, which execute's constraint refuses).
 */
async function all<T extends object>(db: PgExecutor, query: SQL): Promise<T[]> {
  const { rows }: { rows: unknown[] } = await db.execute(query);
  return rows as T[];
}

/**
 * The periods of the pieces, one row each, as g(s, period): a handful (planPieces: at most seven of each finer
 * span at each end). Given as arrays to unnest, whose row count the planner reads off the arrays (constants in
 * node-postgres's one-shot plans), so that it reads each period's rows by the rollup's primary key. Given as
 * jsonb_to_recordset (100 rows to the planner) joined BETWEEN first and last, the pieces made it scan the whole
 * rollup table: 0.1-0.6 s a statement at a million leads (npm run bench:leads -- --store=postgres).
 */
function periodsOf(pieces: readonly Piece[]): SQL {
  const spans: number[] = [];
  const periods: number[] = [];
  for (const p of pieces) {
    for (let period = p.first; period <= p.last; period++) {
      spans.push(p.spanDays);
      periods.push(period);
    }
  }
  return sql`unnest(${intArray(spans)}, ${intArray(periods)}) AS g(s, period)`;
}
/** Rollup rows `r` of the plan's pieces, read period by period. */
const fromPieces = (pieces: readonly Piece[], table: string): SQL =>
  sql`${periodsOf(pieces)} JOIN ${sql.raw(table)} AS r ON r.span_days = g.s AND r.period = g.period`;

/** The rollup tables and the key columns each is summed by (as 0003 and SQLite's store list them). */
const ROLLUPS = [
  { table: 'lead_rollups', keys: 'state, source_id, status_code_id' },
  { table: 'offer_rollups', keys: 'agent_id, state, band' },
  { table: 'accept_time_rollups', keys: 'bucket' },
  { table: 'response_time_rollups', keys: 'agent_id, bucket' },
] as const;

/**
 * The days holding any rollup row, or null. With `staged`, the days of the transaction's own staged changes
 * too, as SQLite's rollups would already hold them.
 */
async function extentOf(db: PgExecutor, staged: boolean): Promise<RollupExtent | null> {
  const day = (table: string, fn: 'min' | 'max') => sql.raw(`(SELECT ${fn}(period) FROM ${table} WHERE span_days = 1)`);
  const stagedDay = (table: string, column: string, fn: 'min' | 'max') =>
    sql.raw(`, (SELECT ${fn}(rollup_period(${column}, 1)) FROM ${table} WHERE xid = pg_current_xact_id_if_assigned())`);
  const rows = await all<{ first: number | null; latest: number | null }>(db, sql`SELECT
    least(${day('lead_rollups', 'min')}, ${day('offer_rollups', 'min')}
      ${staged ? sql`${stagedDay('lead_rollup_changes', 'created_ms', 'min')}${stagedDay('offer_rollup_changes', 'offered_ms', 'min')}` : sql``}) AS first,
    greatest(${day('lead_rollups', 'max')}, ${day('offer_rollups', 'max')}
      ${staged ? sql`${stagedDay('lead_rollup_changes', 'created_ms', 'max')}${stagedDay('offer_rollup_changes', 'offered_ms', 'max')}` : sql``}) AS latest`);
  const row = rows[0];
  return row && row.first !== null && row.latest !== null ? { first: Number(row.first), latest: Number(row.latest) } : null;
}

/** The 8- and 64-day periods of the pieces that rollup_periods does not list. */
async function unsummed(db: PgExecutor, pieces: readonly Piece[]): Promise<Period[]> {
  const coarse = pieces.filter((p) => p.spanDays !== 1 && p.spanDays !== LIVE_SPAN);
  if (coarse.length === 0) return [];
  const rows = await all<{ spanDays: number; period: number }>(db, sql`SELECT g.s AS "spanDays", g.period FROM ${periodsOf(coarse)}
    WHERE NOT EXISTS (SELECT 1 FROM rollup_periods AS rp WHERE rp.span_days = g.s AND rp.period = g.period)`);
  return rows.map((r) => ({ spanDays: Number(r.spanDays), period: Number(r.period) }));
}

/**
 * Sums `periods` (their 8-day parts first, for a 64-day one) from the next finer rows and lists them, in the
 * caller's READ COMMITTED transaction, under the lock the header speaks of. Periods summed meanwhile by another
 * reader (the lock queues them) are left as they are.
 */
async function sumPeriods(db: PgExecutor, periods: readonly Period[]): Promise<void> {
  await db.execute(sql`LOCK TABLE rollup_periods IN SHARE ROW EXCLUSIVE MODE`);
  // A row per 8 or 64 days of data: a few hundred after years.
  const rows = await all<{ spanDays: number; period: number }>(db, sql`SELECT span_days AS "spanDays", period
    FROM rollup_periods WHERE span_days IN (8, 64)`);
  const listed = new Set(rows.map((r) => `${r.spanDays}:${r.period}`));
  const todo = (span: number, period: number) => !listed.has(`${span}:${period}`);
  const sixtyFours = [...new Set(periods.filter((p) => p.spanDays === 64 && todo(64, p.period)).map((p) => p.period))];
  const eights = new Set(periods.filter((p) => p.spanDays === 8 && todo(8, p.period)).map((p) => p.period));
  for (const p of sixtyFours) for (let c = p * 8; c < p * 8 + 8; c++) if (todo(8, c)) eights.add(c);
  for (const [span, list] of [[8, [...eights]], [64, sixtyFours]] as const) {
    if (list.length === 0) continue;
    const child = span / 8;
    for (const { table, keys } of ROLLUPS) {
      const rk = sql.raw(keys.split(', ').map((k) => `r.${k}`).join(', '));
      await db.execute(sql`INSERT INTO ${sql.raw(table)} (span_days, period, ${sql.raw(keys)}, n)
        SELECT ${span}, p.period, ${rk}, sum(r.n)
        FROM unnest(${intArray(list)}) AS p(period)
          JOIN ${sql.raw(table)} AS r ON r.span_days = ${child} AND r.period BETWEEN p.period * 8 AND p.period * 8 + 7
        GROUP BY p.period, ${rk} HAVING sum(r.n) <> 0`);
    }
    await db.execute(sql`INSERT INTO rollup_periods (span_days, period) SELECT ${span}, unnest(${intArray(list)})`);
  }
}

/** A time condition on epoch milliseconds `column` for the whole days of a range (null bounds: none). */
function wholeDays(column: string, range: StatsRange): SQL {
  const from = range.from === null ? null : Math.ceil(range.from.getTime() / DAY_MS) * DAY_MS;
  const to = range.to === null ? null : Math.floor(range.to.getTime() / DAY_MS) * DAY_MS;
  const c = sql.raw(column);
  return sql`${from === null ? sql`true` : sql`${c} >= ${from}`} AND ${to === null ? sql`true` : sql`${c} < ${to}`}`;
}

/**
 * The figures of a plan, read on `db`. With `staged`, the range's whole days also count the transaction's own
 * changes not applied to the rollups yet (the edges read the raw rows, which hold them already).
 */
function reader(db: PgExecutor, range: StatsRange, { pieces, edges }: RangePlan, staged: boolean): StatsReader {
  // The edges' and staged offers, read once: every figure but the lead counts needs them.
  let tallies: Promise<OfferTally[]> | undefined;
  const offerTallies = () => tallies ??= (async () => {
    const out: OfferTally[] = [];
    const answeredBucket = sql.raw(`CASE WHEN state IN ('ACCEPTED', 'DECLINED') AND responded_at IS NOT NULL
      THEN rollup_response_bucket(rollup_epoch_ms(responded_at) - rollup_epoch_ms(offered_at)) END`);
    for (const [from, to] of edges) {
      // agent_id and state spelled out so that offers_agent_stats (agent, state, offered_at) can read each range.
      const rows = await all<OfferTally>(db, sql`SELECT agent_id AS "agentId", state, ${answeredBucket} AS bucket, count(*)::int AS n
        FROM offers
        WHERE agent_id IN (SELECT id FROM users) AND state IN ${OFFER_STATES}
          AND offered_at >= ${new Date(from)} AND offered_at < ${new Date(to)} AND ${REAL_OFFER}
        GROUP BY 1, 2, 3`);
      out.push(...rows);
    }
    if (staged) {
      const rows = await all<OfferTally>(db, sql`SELECT agent_id AS "agentId", state, bucket, sum(n)::int AS n
        FROM offer_rollup_changes WHERE ${OWN_STAGED} AND ${wholeDays('offered_ms', range)}
        GROUP BY 1, 2, 3`);
      out.push(...rows);
    }
    return out;
  })();

  return {
    async leadCounts(): Promise<LeadCount[]> {
      const rollups = pieces.length === 0 ? [] : (await all<LeadCount>(db, sql`SELECT r.state, r.source_id AS "sourceId",
          r.status_code_id AS "statusCodeId", sum(r.n)::int AS n
        FROM ${fromPieces(pieces, 'lead_rollups')} GROUP BY 1, 2, 3`));
      const more: LeadCount[] = [];
      for (const [from, to] of edges) {
        more.push(...(await all<LeadCount>(db, sql`SELECT state, source_id AS "sourceId", coalesce(status_code_id, 0) AS "statusCodeId",
            count(*)::int AS n
          FROM leads WHERE created_at >= ${new Date(from)} AND created_at < ${new Date(to)} GROUP BY 1, 2, 3`)));
      }
      if (staged) {
        more.push(...(await all<LeadCount>(db, sql`SELECT state, source_id AS "sourceId", status_code_id AS "statusCodeId", sum(n)::int AS n
          FROM lead_rollup_changes WHERE ${OWN_STAGED} AND ${wholeDays('created_ms', range)} GROUP BY 1, 2, 3`)));
      }
      const rows = mergeCounts(rollups, more, (r) => `${r.state}|${r.sourceId}|${r.statusCodeId}`);
      // Status code 0 in the rollups: the lead has none.
      for (const r of rows) if (r.statusCodeId === 0) r.statusCodeId = null;
      return rows;
    },

    async reclaimCounts(): Promise<ReclaimCount[]> {
      // lead_events_reclaimed (partial: reclaims only) holds at and agent_id: an index-only range.
      return all<ReclaimCount>(db, sql`SELECT agent_id AS "agentId", count(*)::int AS n FROM lead_events
        WHERE type = 'RECLAIMED' AND agent_id IS NOT NULL
          ${range.from ? sql`AND at >= ${range.from}` : sql``} ${range.to ? sql`AND at < ${range.to}` : sql``}
        GROUP BY 1 ORDER BY 1`);
    },

    async offerCounts(): Promise<OfferCount[]> {
      const rollups = pieces.length === 0 ? [] : (await all<OfferCount>(db, sql`SELECT r.agent_id AS "agentId", r.state, r.band,
          sum(r.n)::int AS n
        FROM ${fromPieces(pieces, 'offer_rollups')} GROUP BY 1, 2, 3`));
      const more = (await offerTallies()).map((o) => ({ agentId: o.agentId, state: o.state, band: o.bucket === null ? -1 : o.bucket >> BAND_SHIFT, n: o.n }));
      return mergeCounts(rollups, more, (r) => `${r.agentId}|${r.state}|${r.band}`);
    },

    async acceptBuckets(): Promise<BucketCount[]> {
      const rollups = pieces.length === 0 ? [] : (await all<BucketCount>(db, sql`SELECT r.bucket, sum(r.n)::int AS n
        FROM ${fromPieces(pieces, 'accept_time_rollups')} GROUP BY 1`));
      const more = (await offerTallies()).flatMap((o) => (o.state === 'ACCEPTED' && o.bucket !== null ? [{ bucket: o.bucket, n: o.n }] : []));
      return mergeCounts(rollups, more, (r) => r.bucket).sort((a, b) => a.bucket - b.bucket);
    },

    async responseBuckets(want: readonly AgentBuckets[]): Promise<AgentBucketCount[]> {
      if (want.length === 0) return [];
      const ranges = sql`unnest(${intArray(want.map((w) => w.agentId))}, ${intArray(want.map((w) => w.fromBucket))},
        ${intArray(want.map((w) => w.toBucket))}) AS w(a, lo, hi)`;
      // One index range per (period, agent), as SQLite reads them (arrays, not jsonb: see periodsOf).
      const rollups = pieces.length === 0 ? [] : (await all<AgentBucketCount>(db, sql`SELECT r.agent_id AS "agentId", r.bucket,
          sum(r.n)::int AS n
        FROM ${periodsOf(pieces)} CROSS JOIN ${ranges}
          JOIN response_time_rollups AS r ON r.span_days = g.s AND r.period = g.period AND r.agent_id = w.a AND r.bucket BETWEEN w.lo AND w.hi
        GROUP BY 1, 2`));
      const wanted = new Map(want.map((w) => [w.agentId, w]));
      const more = (await offerTallies()).flatMap((o) => {
        const w = wanted.get(o.agentId);
        return w && o.bucket !== null && o.bucket >= w.fromBucket && o.bucket <= w.toBucket
          ? [{ agentId: o.agentId, bucket: o.bucket, n: o.n }] : [];
      });
      return mergeCounts(rollups, more, (r) => `${r.agentId}|${r.bucket}`);
    },
  };
}

/** `ownTransaction`: runs its callback in a REPEATABLE READ transaction of its own. */
export function createLeadStatsStore(ctx: PgContext, ownTransaction: OwnTransaction): LeadStatsStore {
  return {
    async read<T>(range: StatsRange, fn: (reader: StatsReader) => Promise<T>): Promise<T> {
      if (ctx.inTransaction) {
        // In the caller's transaction: it sees its own writes, staged ones included.
        const { db } = ctx;
        const plan = planRange(range, await extentOf(db, true));
        const missing = await unsummed(db, plan.pieces);
        if (missing.length > 0) await sumPeriods(db, missing);
        return fn(reader(db, range, plan, true));
      }
      for (let attempt = 1; ; attempt++) {
        const outcome = await ownTransaction(async (tx): Promise<{ missing: Period[] } | { value: T }> => {
          const plan = planRange(range, await extentOf(tx.db, false));
          const missing = await unsummed(tx.db, plan.pieces);
          if (missing.length > 0) return { missing };
          return { value: await fn(reader(tx.db, range, plan, false)) };
        });
        if ('value' in outcome) return outcome.value;
        if (attempt >= MAX_READS) throw new Error(`lead stats: past periods still to sum after ${attempt} reads`);
        // A READ COMMITTED transaction of its own (the outer context's), committed before the next read.
        await ctx.atomically((own) => sumPeriods(own.db, outcome.missing));
      }
    },
  };
}

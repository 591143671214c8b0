// The dashboard's figures, read from the rollups of migration 0005 (schema.ts) instead of every lead
// and offer of the range. The rollups count per UTC day and per 512-day period (both kept by
// triggers), and per 8- and 64-day period once such a period is past (summed here on first use,
// then kept by the triggers too). A range is cut into whole periods, the coarsest that fit
// (planPieces), so all time is read from one or two 512-day rows per key and a month from a few
// dozen; the partial first and last days of a range that does not start or end at midnight UTC are
// read from the raw rows through the existing indexes: counts are exact for any range.
//
// Response times are kept as histograms (bucketSeconds): the accept-time percentiles and each
// agent's median are read from them, so they are exact for whole seconds below 256 s, and otherwise
// never above the true value and less than 1 s (below 256 s) or 0.55 % (from 256 s) below it. Per
// agent the median is found in two steps: the coarse bands (kept with the offer counts) say which
// 32 buckets hold it, and only those buckets of the fine histogram are read.
//
// Why not only days: a year of a million leads is about 480,000 day rows of offer counts and
// 800,000 of response times (100 agents, their offer states, bands and buckets); summing either
// takes over half a second. Why not every span live: each span is another row per rollup on every
// write (an accept moves four rollups), so past 8- and 64-day periods are summed once, on the read
// side, and a write of today's leads and offers touches two rows per rollup.
//
// Auto-accepted direct offers (direct, answered the instant they were made) were never offered to
// anyone: they are left out of every offer figure, here and in the triggers alike.
import type { AgentBucketCount, LeadCount, ReclaimCount, StatsReader } from '../port.js';
import { BAND_SHIFT, DAY_MS, LIVE_SPAN, mergeCounts, planRange, type Piece, type RangePlan, type StatsRange } from '../lead-stats-rules.js';
import type { Db } from './database.js';
import { clientOf } from './transaction.js';

/**
 * The response-time bucket of an offer answered `ms` after it was made, in SQL over an expression
 * `d` (milliseconds). The same rule as the triggers of migration 0005: keep them identical.
 */
const bucketSql = (d: string) =>
  `CASE WHEN ${d} < 256000 THEN max(0, CAST(${d} / 1000 AS INTEGER)) ELSE CAST(128 * log2(${d} / 1000.0) AS INTEGER) - 768 END`;

/** The port's StatsReader, read synchronously on the connection (the store's facade adds the promises). */
export type SyncStatsReader = {
  [K in keyof StatsReader]: (...args: Parameters<StatsReader[K]>) => Awaited<ReturnType<StatsReader[K]>>;
};

/** The rollup tables and the key columns each is summed by. */
const ROLLUPS = [
  { table: 'lead_rollups', keys: 'state, source_id, status_code_id' },
  { table: 'offer_rollups', keys: 'agent_id, state, band' },
  { table: 'accept_time_rollups', keys: 'bucket' },
  { table: 'response_time_rollups', keys: 'agent_id, bucket' },
] as const;

/** An offer an agent answered or could have answered: not an auto-accepted direct lead. */
const REAL_OFFER = 'NOT (direct = 1 AND responded_at = offered_at)';
const OFFER_STATE_INDEX = ['PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN'];
const OFFER_STATES = `(${OFFER_STATE_INDEX.map((s) => `'${s}'`).join(', ')})`;

/** Pieces as json_each reads them: [[spanDays, first, last], ...]. */
const piecesJson = (pieces: readonly Piece[]) => JSON.stringify(pieces.map((p) => [p.spanDays, p.first, p.last]));

export function createLeadStatsStore(db: Db) {
  const sqlite = clientOf(db);

  // The days holding any lead or offer: where a range without a bound starts or ends.
  // (One min() or max() per subquery: SQLite reads each from the end of the index.)
  const extent = sqlite.prepare(`SELECT
      (SELECT min(period) FROM lead_rollups WHERE span_days = 1) AS leadFirst, (SELECT min(period) FROM offer_rollups WHERE span_days = 1) AS offerFirst,
      (SELECT max(period) FROM lead_rollups WHERE span_days = 1) AS leadLatest, (SELECT max(period) FROM offer_rollups WHERE span_days = 1) AS offerLatest`);
  const summedPeriods = sqlite.prepare('SELECT period FROM rollup_periods WHERE span_days = ? AND period BETWEEN ? AND ?').pluck();
  const markSummed = sqlite.prepare('INSERT INTO rollup_periods (span_days, period) VALUES (?, ?)');
  // A coarse period summed from its eight children (the next finer span), per rollup table.
  const sumChildren = ROLLUPS.map(({ table, keys }) => sqlite.prepare(`INSERT INTO ${table} (span_days, period, ${keys}, n)
      SELECT @span, @period, ${keys}, sum(n) FROM ${table}
      WHERE span_days = @child AND period BETWEEN @period * 8 AND @period * 8 + 7
      GROUP BY ${keys} HAVING sum(n) <> 0`));

  // Rollup rows of a list of pieces (json_each drives one index range per piece). The larger
  // results come back as one JSON array: crossing into JS row by row costs more than the query.
  const fromPieces = (table: string) => `json_each(@pieces) AS p CROSS JOIN ${table} AS r
      WHERE r.span_days = p.value ->> 0 AND r.period BETWEEN p.value ->> 1 AND p.value ->> 2`;
  const asJson = (columns: string, query: string) =>
    sqlite.prepare(`SELECT json_group_array(json_array(${columns})) FROM (${query})`).pluck();
  const leadRollups = sqlite.prepare(`SELECT r.state, r.source_id AS sourceId, r.status_code_id AS statusCodeId, sum(r.n) AS n
      FROM ${fromPieces('lead_rollups')} GROUP BY r.state, r.source_id, r.status_code_id`);
  const offerRollups = asJson('agent_id, state, band, n', `SELECT r.agent_id, r.state, r.band, sum(r.n) AS n
      FROM ${fromPieces('offer_rollups')} GROUP BY r.agent_id, r.state, r.band`);
  const acceptRollups = asJson('bucket, n', `SELECT r.bucket, sum(r.n) AS n
      FROM ${fromPieces('accept_time_rollups')} GROUP BY r.bucket`);
  // One index range per (period, agent): @want is [[agentId, fromBucket, toBucket], ...] and
  // @periods [[spanDays, period], ...], every period of the pieces.
  const responseRollups = asJson('agent_id, bucket, n', `SELECT r.agent_id, r.bucket, sum(r.n) AS n
      FROM json_each(@periods) AS p CROSS JOIN json_each(@want) AS w CROSS JOIN response_time_rollups AS r
      WHERE r.span_days = p.value ->> 0 AND r.period = p.value ->> 1
        AND r.agent_id = w.value ->> 0 AND r.bucket BETWEEN w.value ->> 1 AND w.value ->> 2
      GROUP BY r.agent_id, r.bucket`);
  const parsed = <T>(json: unknown): T[] => JSON.parse(String(json)) as T[];

  // The partial days at the ends of a range, from the raw rows through the indexes that hold
  // created_at (leads_stats, leads_created_at) and offered_at (offers_agent_stats: one index range
  // per agent and offer state). Each edge offer comes back once, as JSON like the rollups.
  const rawLeads = sqlite.prepare(`SELECT state, source_id AS sourceId, coalesce(status_code_id, 0) AS statusCodeId, count(*) AS n
      FROM leads WHERE created_at >= @from AND created_at < @to GROUP BY 1, 2, 3`);
  const answeredBucket = `CASE WHEN state IN ('ACCEPTED', 'DECLINED') AND responded_at IS NOT NULL
      THEN ${bucketSql('(responded_at - offered_at)')} END`;
  const rawOffers = asJson('agent_id, state, bucket', `SELECT agent_id, state, ${answeredBucket} AS bucket
      FROM offers
      WHERE agent_id IN (SELECT id FROM users) AND state IN ${OFFER_STATES}
        AND offered_at >= @from AND offered_at < @to AND ${REAL_OFFER}`);

  /** Sums every 8- and 64-day period of `pieces` not summed yet (its parts first), in the caller's transaction. */
  function sumPastPeriods(pieces: readonly Piece[]): void {
    const ensure = (span: number, period: number): void => {
      if (span === 1 || summedPeriods.all(span, period, period).length > 0) return;
      const child = span / 8;
      for (let c = period * 8; c < period * 8 + 8; c++) ensure(child, c);
      for (const statement of sumChildren) statement.run({ span, period, child });
      markSummed.run(span, period);
    };
    for (const piece of pieces) {
      if (piece.spanDays === 1 || piece.spanDays === LIVE_SPAN) continue;
      const done = new Set(summedPeriods.all(piece.spanDays, piece.first, piece.last) as number[]);
      for (let p = piece.first; p <= piece.last; p++) if (!done.has(p)) ensure(piece.spanDays, p);
    }
  }

  /** The pieces of whole days and the raw edges ([from, to) in ms) of a range (planRange's cut). */
  function plan(range: StatsRange): RangePlan {
    const fromMs = range.from?.getTime() ?? null;
    const toMs = range.to?.getTime() ?? null;
    // An empty range reads nothing, not even the extent.
    if (fromMs !== null && toMs !== null && fromMs >= toMs) return { pieces: [], edges: [] };
    const days = extent.get() as { leadFirst: number | null; offerFirst: number | null; leadLatest: number | null; offerLatest: number | null };
    const firsts = [days.leadFirst, days.offerFirst].filter((d) => d !== null);
    const latests = [days.leadLatest, days.offerLatest].filter((d) => d !== null);
    if (firsts.length === 0 || latests.length === 0) return planRange(range, null);
    return planRange(range, { first: Math.min(...firsts), latest: Math.max(...latests) });
  }

  // Reclaims by former owner over [from, to) in ms, through lead_events_reclaimed (partial: reclaims only).
  const reclaims = sqlite.prepare(`SELECT agent_id AS agentId, count(*) AS n FROM lead_events INDEXED BY lead_events_reclaimed
      WHERE type = 'RECLAIMED' AND at >= @from AND at < @to AND agent_id IS NOT NULL GROUP BY agent_id ORDER BY agent_id`);

  function reader({ pieces, edges }: RangePlan, range: StatsRange): SyncStatsReader {
    const json = piecesJson(pieces);
    // The edges' offers, read once: every figure but the lead counts needs them.
    let edgeOffers: { agentId: number; state: string; bucket: number | null; n: number }[] | undefined;
    const offersAtEdges = () => edgeOffers ??= edges.flatMap(([from, to]) =>
      parsed<[number, string, number | null]>(rawOffers.get({ from, to })).map(([agentId, state, bucket]) => ({ agentId, state, bucket, n: 1 })));

    return {
      reclaimCounts() {
        return reclaims.all({ from: range.from?.getTime() ?? Number.MIN_SAFE_INTEGER, to: range.to?.getTime() ?? Number.MAX_SAFE_INTEGER }) as ReclaimCount[];
      },

      leadCounts() {
        const rows = mergeCounts(leadRollups.all({ pieces: json }) as LeadCount[],
          edges.flatMap(([from, to]) => rawLeads.all({ from, to }) as LeadCount[]),
          (r) => `${r.state}|${r.sourceId}|${r.statusCodeId}`);
        // Status code 0 in the rollups: the lead has none.
        for (const r of rows) if (r.statusCodeId === 0) r.statusCodeId = null;
        return rows;
      },

      offerCounts() {
        return mergeCounts(parsed<[number, string, number, number]>(offerRollups.get({ pieces: json }))
          .map(([agentId, state, band, n]) => ({ agentId, state, band, n })),
          offersAtEdges().map((o) => ({ agentId: o.agentId, state: o.state, band: o.bucket === null ? -1 : o.bucket >> BAND_SHIFT, n: o.n })),
          (r) => (r.agentId * 8 + OFFER_STATE_INDEX.indexOf(r.state)) * 4096 + r.band + 1);
      },

      acceptBuckets() {
        return mergeCounts(parsed<[number, number]>(acceptRollups.get({ pieces: json })).map(([bucket, n]) => ({ bucket, n })),
          offersAtEdges().filter((o) => o.state === 'ACCEPTED' && o.bucket !== null).map((o) => ({ bucket: o.bucket ?? 0, n: o.n })),
          (r) => r.bucket).sort((a, b) => a.bucket - b.bucket);
      },

      responseBuckets(want) {
        if (want.length === 0) return [];
        const periods: [number, number][] = [];
        for (const p of pieces) for (let period = p.first; period <= p.last; period++) periods.push([p.spanDays, period]);
        const rows = periods.length === 0 ? [] : parsed<[number, number, number]>(responseRollups.get({
          periods: JSON.stringify(periods),
          want: JSON.stringify(want.map((w) => [w.agentId, w.fromBucket, w.toBucket])),
        })).map(([agentId, bucket, n]) => ({ agentId, bucket, n }));
        const wanted = new Map(want.map((w) => [w.agentId, w]));
        const edgeRows = offersAtEdges().flatMap((o) => {
          const w = wanted.get(o.agentId);
          return w && o.bucket !== null && o.bucket >= w.fromBucket && o.bucket <= w.toBucket
            ? [{ agentId: o.agentId, bucket: o.bucket, n: o.n }] : [];
        });
        return mergeCounts(rows, edgeRows, (r) => r.agentId * 65536 + r.bucket);
      },
    };
  }

  return {
    /**
     * The reader of `range`'s figures. Call it inside a transaction and read every figure there, so
     * that all of them see the same rows. The 8- and 64-day periods the range needs that are past but
     * not yet summed are summed first (a write, once per period: afterwards the triggers keep them current).
     */
    open(range: StatsRange): SyncStatsReader {
      const p = plan(range);
      sumPastPeriods(p.pieces);
      return reader(p, range);
    },
  };
}

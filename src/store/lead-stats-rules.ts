// The rollups' arithmetic that does not depend on the database: the periods a range is cut into
// and the response-time buckets, shared by every store implementation and the dashboard service
// (see src/store/sqlite/lead-stats-store.ts for how the rollups are kept and read).

export interface StatsRange {
  /** Inclusive. */
  from: Date | null;
  /** Exclusive. */
  to: Date | null;
}

export const DAY_MS = 86_400_000;
/** Periods of this many days are kept by the triggers for every write, as days are. */
export const LIVE_SPAN = 512;
/** Periods summed once past, coarsest first; each holds 8 of the next finer span (8 holds 8 days). */
const SUMMED_SPANS = [64, 8] as const;
/** Response times below this many seconds have a bucket per whole second. */
export const FINE_SECONDS = 256;
/** Buckets per doubling from FINE_SECONDS on: each is 2^(1/128) - 1 < 0.55 % wide. */
const BUCKETS_PER_DOUBLING = 128;
/** A band is 32 consecutive buckets: band = bucket >> BAND_SHIFT. */
export const BAND_SHIFT = 5;

/** The lowest response time of a bucket, in seconds (whole milliseconds, rounded down). */
export function bucketSeconds(bucket: number): number {
  if (bucket < FINE_SECONDS) return bucket;
  const seconds = 2 ** ((bucket - FINE_SECONDS) / BUCKETS_PER_DOUBLING + Math.log2(FINE_SECONDS));
  return Math.floor(seconds * 1000) / 1000;
}

/** A run of periods of one span, `first` to `last` inclusive (period = day / spanDays). */
export interface Piece {
  spanDays: number;
  first: number;
  last: number;
}

/**
 * Cuts the whole days [fromDay, toDay) into runs of aligned periods, the coarsest that fit inside:
 * 512 days, or 64 or 8 days when the period ended before `openDay` (those are summed only once past),
 * else single days. At most seven periods of each finer span at each end.
 */
export function planPieces(fromDay: number, toDay: number, openDay: number): Piece[] {
  const pieces: Piece[] = [];
  let day = fromDay;
  while (day < toDay) {
    const fits = (s: number) => day % s === 0 && day + s <= toDay;
    const span = fits(LIVE_SPAN) ? LIVE_SPAN : SUMMED_SPANS.find((s) => fits(s) && day + s <= openDay) ?? 1;
    const period = day / span;
    const last = pieces[pieces.length - 1];
    if (last && last.spanDays === span && last.last === period - 1) last.last = period;
    else pieces.push({ spanDays: span, first: period, last: period });
    day += span;
  }
  return pieces;
}

/** The days holding any rollup row (of leads or offers), or null for empty rollups. */
export interface RollupExtent {
  first: number;
  latest: number;
}

/** A range as read: whole days from the rollups (`pieces`), the partial days at its ends from the raw rows. */
export interface RangePlan {
  pieces: Piece[];
  /** [from, to) in ms: the parts of the first and last days that a bound inside a day leaves to the raw rows. */
  edges: [number, number][];
}

/**
 * The pieces of whole days and the raw edges of a range, given the days the rollups hold (null: none): the
 * cut both stores read a range by.
 */
export function planRange(range: StatsRange, extent: RollupExtent | null): RangePlan {
  const fromMs = range.from?.getTime() ?? null;
  const toMs = range.to?.getTime() ?? null;
  if (fromMs !== null && toMs !== null && fromMs >= toMs) return { pieces: [], edges: [] };
  if (extent === null) return { pieces: [], edges: [] };
  const { first, latest } = extent;
  // Whole days [fromDay, toDay); a bound inside a day leaves that day's part to the raw rows.
  const fromDay = fromMs === null ? first : Math.ceil(fromMs / DAY_MS);
  const toDay = toMs === null ? latest + 1 : Math.floor(toMs / DAY_MS);
  if (fromMs !== null && toMs !== null && fromDay > toDay) return { pieces: [], edges: [[fromMs, toMs]] };
  const edges: [number, number][] = [];
  if (fromMs !== null && fromMs < fromDay * DAY_MS) edges.push([fromMs, fromDay * DAY_MS]);
  if (toMs !== null && toMs > toDay * DAY_MS) edges.push([toDay * DAY_MS, toMs]);
  const lo = Math.max(fromDay, first);
  const hi = Math.min(toDay, latest + 1);
  if (lo >= hi) return { pieces: [], edges };
  // No rows lie outside [first, latest]: a bound beyond them may as well be a 512-day boundary,
  // when that makes fewer pieces (all time is then one 512-day period per key and year or so).
  const los = fromDay <= first ? [lo, lo - (lo % LIVE_SPAN)] : [lo];
  const his = toDay > latest ? [hi, Math.ceil(hi / LIVE_SPAN) * LIVE_SPAN] : [hi];
  const plans = los.flatMap((a) => his.map((b) => planPieces(a, b, latest)));
  const size = (ps: Piece[]) => ps.reduce((n, p) => n + p.last - p.first + 1, 0);
  return { pieces: plans.reduce((best, p) => (size(p) < size(best) ? p : best)), edges };
}

/**
 * Counts one per key from the rollups with more counts added in (the raw edges', or changes not yet applied):
 * counts that share a key are summed, and keys that sum to 0 are left out.
 */
export function mergeCounts<R extends { n: number }>(rows: readonly R[], more: readonly R[], key: (r: R) => string | number): R[] {
  // Nothing to add (the common case: a range of whole days): the rollups' rows are one per key already.
  if (more.length === 0) return rows.filter((r) => r.n !== 0);
  const byKey = new Map<string | number, R>();
  for (const r of [...rows, ...more]) {
    const k = key(r);
    const known = byKey.get(k);
    if (known) known.n += r.n;
    else byKey.set(k, { ...r });
  }
  return [...byKey.values()].filter((r) => r.n !== 0);
}

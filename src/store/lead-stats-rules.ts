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

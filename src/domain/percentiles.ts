// Which ranks (1-based, in ascending order) of n values the dashboard's percentiles are read from.
// The store fetches only the values at these ranks, so no list of durations crosses into JS.

/** The median is the middle value, or the mean of the two middle values: their ranks (equal for odd n). */
export function medianRanks(n: number): [number, number] {
  return [Math.floor((n + 1) / 2), Math.floor(n / 2) + 1];
}

/**
 * The p-th percentile (0 < p <= 100) by nearest rank: the smallest value with at least p% of the
 * values at or below it. Always one of the values, so "p90 = 120 s" means a real answer took 120 s.
 */
export function nearestRank(n: number, p: number): number {
  return Math.max(1, Math.ceil((p / 100) * n));
}

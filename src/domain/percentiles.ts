// Percentiles of durations for the dashboard. Pure functions over ascending arrays.

/** The median of ascending values: the middle one, or the mean of the two middle ones; null when empty. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const hi = sorted[mid] ?? 0;
  return n % 2 === 1 ? hi : ((sorted[mid - 1] ?? 0) + hi) / 2;
}

/**
 * The p-th percentile (0 < p <= 100) by nearest rank: the smallest value with at least p% of the
 * values at or below it. Always one of the values, so "p90 = 120 s" means a real response took 120 s.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1] ?? null;
}

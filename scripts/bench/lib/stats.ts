// Percentiles, rates and the shape every benchmark reports: a figure beside its same-run baseline.

/** The q-quantile (0..1) of the values by nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summary(values: readonly number[]): { n: number; p50: number; p99: number; max: number } {
  return { n: values.length, p50: quantile(values, 0.5), p99: quantile(values, 0.99), max: quantile(values, 1) };
}

export const round = (v: number, digits = 2): number => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v);

/** One line of the report. `better` says which way is good, for the ratio column's meaning. */
export interface Figure {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  baseline: number | null;
  baselineLabel: string | null;
  /** value / baseline */
  ratio: number | null;
  target: string | null;
  /** null when the figure has no target. */
  pass: boolean | null;
}

export function figure(f: Omit<Figure, 'ratio'>): Figure {
  const ratio = f.baseline !== null && f.baseline !== 0 ? round(f.value / f.baseline, 3) : null;
  return { ...f, value: round(f.value), baseline: f.baseline === null ? null : round(f.baseline), ratio };
}

export function printTable(figures: readonly Figure[]): void {
  const head = ['bench', 'metric', 'value', 'baseline (same run)', 'ratio', 'target', 'ok'];
  const rows = figures.map((f) => [
    f.bench, f.metric, `${f.value} ${f.unit}`,
    f.baseline === null ? '-' : `${f.baseline} ${f.unit} (${f.baselineLabel ?? ''})`,
    f.ratio === null ? '-' : String(f.ratio), f.target ?? '-', f.pass === null ? '' : f.pass ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

/** Runs `fn` for `total` items with at most `concurrency` in flight. */
export async function pool(total: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** Closed-loop load: `concurrency` workers call `fn` back to back for `ms`; returns completions. */
export async function closedLoop(concurrency: number, ms: number, fn: (seq: number) => Promise<void>): Promise<{ done: number; elapsedMs: number }> {
  const started = performance.now();
  const until = started + ms;
  let seq = 0;
  let done = 0;
  const worker = async () => {
    while (performance.now() < until) {
      await fn(seq++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { done, elapsedMs: performance.now() - started };
}

/**
 * Open-loop load at a steady rate: request i is sent at start + i/rate whether or not earlier ones
 * have answered, so a slow server shows up as latency rather than as a lower send rate.
 */
export async function steadyRate(ratePerSec: number, count: number, send: (i: number) => Promise<void>): Promise<void> {
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  let failure: unknown = null;
  for (let i = 0; i < count && failure === null; i++) {
    const due = started + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Caught at once: a failure stops the run instead of crashing it as an unhandled rejection.
    inflight.push(send(i).catch((err: unknown) => { failure ??= err; }));
  }
  await Promise.all(inflight);
  if (failure !== null) throw failure;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// `npm run bench:leads` (npx tsx scripts/bench-lead-list.ts [--leads=1000000] [--runs=50] [--keep]):
// seeds a store with a million leads (plus offers, lead users and events) through the real migrations,
// checks the dashboard once against the raw rows, then times the lead list and the dashboard through
// the same store and service functions the API calls, each beside a plain SELECT of the same rows as
// its baseline (a naive substring scan only NAIVE_RUNS times). Prints a table, then one JSON line with
// every figure.
//
//   --store=sqlite|postgres   which store (default sqlite: a temp file)
//   --compare                 with --store=postgres: SQLite too, seeded with the same leads and timed in the
//                             same run, case by case (each case on SQLite, then on PostgreSQL), side by side
//   --pg-url=postgres://postgres@127.0.0.1:5432/postgres   where to CREATE DATABASE (a random name)
//   --keep                    keep the seeded file / database (their names are printed)
//   --sqlite-file=<path>, --pg-database=<name>   time a kept one again instead of seeding (a quieter moment)
//
// The leads are lead-list-data.ts's, the same rows on both stores; how each store is seeded fast is in
// lib/lead-list-sqlite.ts and lib/lead-list-postgres.ts. Every figure carries the machine's 1-minute
// load average when it was taken: other work on the machine shows in the figures.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createLeadListService } from '../src/services/lead-list-service.js';
import { createLeadStatsService, type LeadStatsResult } from '../src/services/lead-stats-service.js';
import { statsDifferences } from '../test/support/lead-stats-reference.js';
import { Args } from './bench/lib/args.js';
import { DAY, END, START } from './bench/lib/lead-list-data.js';
import { seedPostgres } from './bench/lib/lead-list-postgres.js';
import { seedSqlite } from './bench/lib/lead-list-sqlite.js';
import type { SeededLeads } from './bench/lib/lead-list-target.js';

const args = new Args(process.argv.slice(2));
const LEADS = args.num('leads', 1_000_000);
const RUNS = args.num('runs', 50);
/** The naive scan's runs: a second or more each on PostgreSQL. */
const NAIVE_RUNS = Math.min(RUNS, 10);
const STORE = args.str('store', 'sqlite');
if (STORE !== 'sqlite' && STORE !== 'postgres') throw new Error(`--store: sqlite or postgres, not "${STORE}"`);
const COMPARE = args.str('compare', 'false') === 'true';
if (COMPARE && STORE !== 'postgres') throw new Error('--compare goes with --store=postgres (SQLite is then timed beside it)');
const KEEP = args.str('keep', 'false') === 'true';
const PG_URL = args.str('pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');
const SQLITE_FILE = args.str('sqlite-file', '') || null;
const PG_DATABASE = args.str('pg-database', '') || null;
args.checkUnknown();

interface Timing { medianMs: number; p95Ms: number; load: number }

const load = () => Number(loadavg()[0]?.toFixed(2));

/** One run of `fn` (awaited), in ms. */
async function time1(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Number((performance.now() - t0).toFixed(1));
}

/** Runs `fn` (awaited) a few times to warm the caches, then `runs` times: median and p95 in ms, and the load after. */
async function time(fn: () => unknown, runs = RUNS): Promise<Timing> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Number((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(3));
  return { medianMs: at(0.5), p95Ms: at(0.95), load: load() };
}

/** A seeded store, its services, and what has been measured on it. */
class Bench {
  readonly list;
  readonly stats;
  firstCalls = { allTime: 0, last30Days: 0 };
  verifySeconds = 0;
  /** The dashboard over all time from the raw rows: on both stores, it shows they hold the same leads. */
  referenceAllTime: LeadStatsResult | null = null;

  constructor(readonly t: SeededLeads) {
    this.list = createLeadListService({ list: t.store.leadList });
    this.stats = createLeadStatsService({ stats: t.store.leadStats });
  }
}

const admin = { id: 0, role: 'ADMIN' as const };
const agent = { id: 7, role: 'AGENT' as const };
const month = { from: new Date(END - 30 * DAY), to: null };
const ids = (page: { leads: { id: number }[] }) => page.leads.map((l) => l.id);

/** A list case: the API path, and its baseline (given the rows the API path returned). */
interface ListCase {
  name: string;
  api: (b: Bench) => Promise<{ leads: { id: number }[] }>;
  baseline: (b: Bench, pageIds: number[]) => Promise<unknown>;
  baselineSql: (b: Bench) => string;
}
const byIdsCase = (name: string, api: ListCase['api']): ListCase =>
  ({ name, api, baseline: (b, pageIds) => b.t.baseline.byIds(pageIds), baselineSql: (b) => b.t.baseline.sql.byIds });
const midId = Math.floor(LEADS / 2);
const firstPage = (b: Bench) => b.list.leads(admin, {}, 20, null);
const filtered = (b: Bench) => b.list.leads(admin, { state: 'UNASSIGNED', sourceId: 3 }, 20, null);
const agentPage = (b: Bench) => b.list.leads(agent, {}, 20, null);
const common = (b: Bench) => b.list.leads(admin, { search: 'reyes' }, 20, null);
const LIST_CASES: ListCase[] = [
  { name: 'first page (20, newest first)', api: firstPage, baseline: (b) => b.t.baseline.firstPage(), baselineSql: (b) => b.t.baseline.sql.firstPage },
  {
    name: 'page in the middle (after cursor)',
    api: (b) => b.list.leads(admin, {}, 20, Buffer.from(`lead:${midId}`).toString('base64')),
    baseline: (b) => b.t.baseline.pageBefore(midId),
    baselineSql: (b) => b.t.baseline.sql.pageBefore,
  },
  byIdsCase('filtered page (state + source)', filtered),
  byIdsCase('agent page (own or user of)', agentPage),
  byIdsCase('search "reyes" (common)', common),
  byIdsCase('search "muller123" (rare)', (b) => b.list.leads(admin, { search: 'muller123' }, 20, null)),
  byIdsCase('search "(512) 000-42" (phone)', (b) => b.list.leads(admin, { search: '(512) 000-42' }, 20, null)),
];
type Page = Awaited<ReturnType<typeof firstPage>>;
const countOf = async (page: () => Promise<Page>) => (await page()).totalCount();
const COUNT_CASES: { name: string; page: (b: Bench) => Promise<Page>; plain: boolean }[] = [
  { name: 'totalCount, all leads', page: firstPage, plain: true },
  { name: 'totalCount, state + source', page: filtered, plain: false },
  { name: 'totalCount, agent', page: agentPage, plain: false },
  { name: 'totalCount, search "reyes"', page: common, plain: false },
];

/**
 * Once before timing: the dashboard from the rollups equals the one counted from the raw rows (counts
 * exactly, percentiles within the histograms' precision), over all time, the last 30 days and 130 days
 * off day boundaries. A range's first call also sums the past 8- and 64-day periods it needs (once per
 * period): the first calls are timed apart.
 */
async function check(b: Bench): Promise<void> {
  b.firstCalls = {
    allTime: await time1(() => b.stats.leadStats({ from: null, to: null })),
    last30Days: await time1(() => b.stats.leadStats(month)),
  };
  b.verifySeconds = await time1(async () => {
    for (const range of [{ from: null, to: null }, month, { from: new Date(START + 100 * DAY + 3_600_000), to: new Date(START + 230 * DAY - 7_200_000) }]) {
      const reference = await b.t.reference(range);
      if (range.from === null) b.referenceAllTime = reference;
      const problems = statsDifferences(await b.stats.leadStats(range), reference);
      if (problems.length > 0) throw new Error(`${b.t.label}: leadStats disagrees with the raw rows over ${JSON.stringify(range)}:\n${problems.join('\n')}`);
    }
  }) / 1000;
}

interface Row { case: string; figures: { store: string; api: Timing | null; baseline: Timing | null; baselineSql: string; rows: number }[] }

/** Times every case on every bench, case by case (so that stores compared are timed minutes apart at most). */
async function timeAll(benches: Bench[]): Promise<{ list: Row[]; naive: Row; counts: Row[]; stats: Row[] }> {
  const list: Row[] = [];
  for (const c of LIST_CASES) {
    const row: Row = { case: c.name, figures: [] };
    for (const b of benches) {
      const pageIds = ids(await c.api(b));
      row.figures.push({ store: b.t.label, api: await time(() => c.api(b)), baseline: await time(() => c.baseline(b, pageIds)),
        baselineSql: c.baselineSql(b), rows: pageIds.length });
    }
    list.push(row);
  }
  const counts: Row[] = [];
  for (const c of COUNT_CASES) {
    const row: Row = { case: c.name, figures: [] };
    for (const b of benches) {
      row.figures.push({ store: b.t.label, api: await time(() => countOf(() => c.page(b))),
        baseline: c.plain ? await time(() => b.t.baseline.countLeads()) : null, baselineSql: c.plain ? b.t.baseline.sql.countLeads : '',
        rows: await countOf(() => c.page(b)) });
    }
    counts.push(row);
  }
  const stats: Row[] = [];
  for (const [name, range, fromMs] of [['leadStats, all time', { from: null, to: null }, null], ['leadStats, last 30 days', month, month.from.getTime()]] as const) {
    const row: Row = { case: name, figures: [] };
    for (const b of benches) {
      // Baseline: one plain pass over the same leads and offers (count only, nothing grouped or sorted).
      row.figures.push({ store: b.t.label, api: await time(() => b.stats.leadStats(range)), baseline: await time(() => b.t.baseline.countLeadsAndOffers(fromMs)),
        baselineSql: 'count(*) of leads and of offers', rows: (await b.stats.leadStats(range)).total });
    }
    stats.push(row);
  }
  // What the trigram index saves: the naive substring scan for the rare term. Timed last and NAIVE_RUNS times: it
  // takes seconds on PostgreSQL, whose parallel workers load the machine for whatever is timed next.
  const naive: Row = { case: 'naive LIKE scan, rare term', figures: [] };
  for (const b of benches) {
    naive.figures.push({ store: b.t.label, api: null, baseline: await time(() => b.t.baseline.naiveSearch('muller123'), NAIVE_RUNS),
      baselineSql: b.t.baseline.sql.naiveSearch, rows: 21 });
  }
  return { list, naive, counts, stats };
}

const STATS_TARGET_MS = 100;
const pad = (s: string, n: number) => s.padEnd(n);
const fmt = (t: Timing | null) => (t ? `${t.medianMs.toFixed(3)} / ${t.p95Ms.toFixed(3)}` : '');
/** The load averages a row's figures were taken at. */
const loads = (r: Row) => r.figures.flatMap((f) => [f.api, f.baseline]).filter((t): t is Timing => t !== null).map((t) => t.load.toFixed(1)).join(' ');

function printSeeds(benches: Bench[]): void {
  for (const { t, firstCalls, verifySeconds } of benches) {
    const seed = t.seed
      ? `seeded in ${t.seed.seconds.toFixed(1)} s (${Object.entries(t.seed.phases).map(([k, v]) => `${k} ${v} s`).join(', ')})`
      : 'reused (not seeded in this run)';
    console.log(`\n${t.label} lead list and dashboard: ${t.leads.toLocaleString('en')} leads, ${t.offers.toLocaleString('en')} offers, ${seed}, ${t.sizeMb} MB; ${RUNS} runs each (ms median / p95)`);
    if (t.seed) console.log(`  seeding: ${t.seed.method}`);
    const first = t.seed ? `first calls (summing past periods): all time ${firstCalls.allTime} ms, last 30 days ${firstCalls.last30Days} ms`
      : 'past periods were summed in the run that seeded it';
    console.log(`  leadStats checked against the raw rows (all time, last 30 days, 130 days off day boundaries) in ${verifySeconds.toFixed(1)} s; ${first}`);
  }
}

/** One store's table, as this benchmark has always printed it, with the load average of each row. */
function printOne(r: Awaited<ReturnType<typeof timeAll>>): void {
  console.log(`\n${pad('case', 36)}${pad('API path', 22)}${pad('baseline', 22)}${pad('rows', 10)}load (1 min)`);
  const line = (row: Row, extra = '') => {
    const f = row.figures[0];
    console.log(`${pad(row.case, 36)}${pad(fmt(f?.api ?? null), 22)}${pad(fmt(f?.baseline ?? null), 22)}${pad(row === r.naive ? '' : String(f?.rows ?? ''), 10)}${extra}${loads(row)}`);
  };
  for (const row of r.list) line(row);
  line(r.naive);
  console.log('');
  for (const row of r.counts) line(row);
  console.log('');
  console.log(`${pad('', 36)}${pad('', 22)}${pad('', 22)}${pad('rows', 10)}target (median), load`);
  for (const row of r.stats) {
    const api = row.figures[0]?.api;
    line(row, api ? `≤ ${STATS_TARGET_MS} ms ${api.medianMs <= STATS_TARGET_MS ? '✔' : '✘ missed'}  ` : '');
  }
}

/** The stores side by side: each one's API path and baseline; rows once when the stores agree. */
function printSideBySide(r: Awaited<ReturnType<typeof timeAll>>, labels: string[]): void {
  const heads = labels.flatMap((l) => [`${l} API`, `${l} baseline`]);
  console.log(`\n${pad('case', 36)}${heads.map((h) => pad(h, 22)).join('')}${pad('rows', 12)}load (1 min)`);
  const line = (row: Row) => {
    const rows = [...new Set(row.figures.map((f) => f.rows))];
    const rowText = row === r.naive ? '' : rows.length === 1 ? String(rows[0]) : `${rows.join(' ≠ ')}`;
    console.log(`${pad(row.case, 36)}${row.figures.map((f) => pad(fmt(f.api), 22) + pad(fmt(f.baseline), 22)).join('')}${pad(rowText, 12)}${loads(row)}`);
  };
  for (const row of r.list) line(row);
  line(r.naive);
  console.log('');
  for (const row of r.counts) line(row);
  console.log('');
  for (const row of r.stats) line(row);
  console.log(`(leadStats target: median ≤ ${STATS_TARGET_MS} ms on each store)`);
}

const benches: Bench[] = [];
try {
  if (STORE === 'sqlite' || COMPARE) benches.push(new Bench(await seedSqlite({ leads: LEADS, keep: KEEP, reuse: SQLITE_FILE })));
  if (STORE === 'postgres') {
    benches.push(new Bench(await seedPostgres({ adminUrl: PG_URL, leads: LEADS, keep: KEEP, reuse: PG_DATABASE })));
  }
  for (const b of benches) await check(b);
  // Seeded from one generator, the stores must hold the same leads: their raw dashboards are equal.
  const [first, ...others] = benches;
  for (const other of others) {
    const problems = first?.referenceAllTime && other.referenceAllTime ? statsDifferences(other.referenceAllTime, first.referenceAllTime) : ['not counted'];
    if (problems.length > 0) throw new Error(`${other.t.label} does not hold the leads ${first?.t.label} holds:\n${problems.join('\n')}`);
  }
  const r = await timeAll(benches);
  printSeeds(benches);
  if (benches.length === 1) printOne(r);
  else printSideBySide(r, benches.map((b) => b.t.label));
  console.log(JSON.stringify({
    bench: 'lead-list', leads: LEADS, runs: RUNS,
    stores: benches.map(({ t, firstCalls, verifySeconds }) => ({
      store: t.label, offers: t.offers, sizeMb: t.sizeMb, seedSeconds: t.seed ? Number(t.seed.seconds.toFixed(1)) : null, seedPhases: t.seed?.phases ?? null,
      leadStatsFirstCallMs: firstCalls, leadStatsVerifiedSeconds: Number(verifySeconds.toFixed(1)),
    })),
    ...r, statsTargetMs: STATS_TARGET_MS,
  }));
} finally {
  for (const b of benches) await b.t.close();
}

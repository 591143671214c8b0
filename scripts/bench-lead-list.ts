// `npm run bench:leads` (npx tsx scripts/bench-lead-list.ts [--leads=1000000] [--runs=50] [--keep]):
// seeds a temp SQLite file with a million leads (plus offers, lead users and events) through the
// real migrations, then times the lead list and the dashboard through the same store and service
// functions the API calls, each beside a plain SELECT of the same rows as its baseline.
// Prints a table, then one JSON line with every figure.
//
// Seeding is fast because the bulk rows go in bare: the indexes and triggers the migrations built on
// the bulk tables (the FTS5 trigram index, the dashboard's rollups, secondary indexes) are set aside
// first and rebuilt afterwards from the same SQL: the indexes from their own CREATE statements, the
// derived tables by the migrations' own backfill statements, then the triggers. What is timed is the
// schema exactly as migrated; the dashboard is checked once against the raw rows before timing.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createLeadListService } from '../src/services/lead-list-service.js';
import { createLeadStatsService } from '../src/services/lead-stats-service.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
// The slow, obvious computation of the dashboard the tests check the rollups against.
import { referenceLeadStats, statsDifferences } from '../test/support/lead-stats-reference.js';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
}

const LEADS = arg('leads', 1_000_000);
const RUNS = arg('runs', 50);
const AGENTS = 100;
const SOURCES = 8;
const DAY = 86_400_000;
/** The seeded leads span a year ending now, about one every 30 s. */
const END = Date.UTC(2026, 0, 5, 9);
const START = END - 365 * DAY;

// A repeatable pseudo-random sequence (mulberry32): the same data on every run.
let seed = 0x5eed;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

const FIRST = ['Dana', 'Ole', 'Maria', 'James', 'Wei', 'Aisha', 'Carlos', 'Emma', 'Noah', 'Priya', 'Liam', 'Sofia', 'Kenji', 'Fatima', 'Lucas'];
const LAST = ['Reyes', 'Brandt', 'Garcia', 'Smith', 'Chen', 'Khan', 'Lopez', 'Muller', 'Okafor', 'Patel', 'Nguyen', 'Rossi', 'Sato', 'Haddad', 'Silva'];

const dir = mkdtempSync(join(tmpdir(), 'leadrace-bench-list-'));
const file = join(dir, 'bench.db');
const handle = openSqliteStore(file);
const { sqlite, db } = handle;
// The seed is a few hundred MB: removed on any exit unless --keep, a failed run included.
process.on('exit', () => {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
});

/** The tables the bulk insert fills. */
const BULK_TABLES = ['leads', 'offers', 'lead_users', 'lead_events'];
const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * The migrations' backfills (INSERT ... SELECT statements: the FTS5 search rows of 0003, the rollups
 * of 0005, the search index's watermark of 0007), in migration order: what a derived table holds for
 * rows that were there before it.
 */
function migrationBackfills(): string[] {
  return readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()
    .flatMap((f) => readFileSync(join(MIGRATIONS, f), 'utf8').split('--> statement-breakpoint'))
    .map((statement) => statement.split('\n').filter((line) => !line.trimStart().startsWith('--')).join('\n').trim())
    .filter((statement) => /^INSERT (OR REPLACE )?INTO/i.test(statement));
}

interface SeedPhases { setAside: number; bulkInsert: number; indexes: number; backfills: number; triggers: number; analyze: number }

function seedData(): { seconds: number; phases: SeedPhases } {
  const t0 = performance.now();
  let mark = t0;
  const lap = () => {
    const now = performance.now();
    const s = Number(((now - mark) / 1000).toFixed(1));
    mark = now;
    return s;
  };
  // Bench only: the seed is thrown away, so durability per commit does not matter here.
  sqlite.pragma('synchronous = OFF');
  // Set aside what the migrations built on the bulk tables (kept: the SQL that made each one).
  const derived = sqlite.prepare(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')
    AND tbl_name IN (${BULK_TABLES.map(() => '?').join(', ')}) AND sql IS NOT NULL`).all(...BULK_TABLES) as { type: 'index' | 'trigger'; name: string; sql: string }[];
  for (const d of derived) sqlite.exec(`DROP ${d.type.toUpperCase()} "${d.name}"`);
  const setAside = lap();
  sqlite.transaction(() => {
    const user = sqlite.prepare("INSERT INTO users (name, email, role, handle) VALUES (?, ?, 'AGENT', ?)");
    for (let i = 1; i <= AGENTS; i++) user.run(`Agent ${i}`, `agent${i}@bench.example`, `agent${i}`);
    const source = sqlite.prepare('INSERT INTO lead_sources (name, public_key) VALUES (?, ?)');
    for (let i = 1; i <= SOURCES; i++) source.run(`Source ${i}`, `bench-key-${i}`);
  })();
  const codes = (sqlite.prepare('SELECT id FROM status_codes ORDER BY position').all() as { id: number }[]).map((r) => r.id);
  const agentIds = (sqlite.prepare('SELECT id FROM users ORDER BY id').all() as { id: number }[]).map((r) => r.id);

  const lead = sqlite.prepare(`INSERT INTO leads (id, source_id, kind, state, owner_id, status_code_id, first_name, last_name,
    email, phone, round, created_at, assigned_at) VALUES (?, ?, 'GENERAL', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`);
  const offer = sqlite.prepare(`INSERT INTO offers (lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const leadUser = sqlite.prepare('INSERT INTO lead_users (lead_id, user_id) VALUES (?, ?)');
  const event = sqlite.prepare('INSERT INTO lead_events (lead_id, type, at, agent_id) VALUES (?, ?, ?, ?)');
  const step = (END - START) / LEADS;
  sqlite.transaction(() => {
    for (let id = 1; id <= LEADS; id++) {
      const at = Math.floor(START + id * step);
      const r = rand();
      // The last few leads are still routing; of the rest, most were won, some nobody took.
      const state = id > LEADS - 200 ? 'ROUTING' : r < 0.8 ? 'ASSIGNED' : 'UNASSIGNED';
      const owner = state === 'ASSIGNED' ? pick(agentIds) : null;
      const first = pick(FIRST);
      const last = pick(LAST);
      lead.run(id, 1 + Math.floor(rand() * SOURCES), state, owner, pick(codes), first, last,
        `${first}.${last}${id}@mail.example`.toLowerCase(), `+1512${String(id).padStart(7, '0')}`, at, owner ? at : null);
      event.run(id, 'CREATED', at, null);
      const window = 900_000;
      if (state === 'ASSIGNED' && owner !== null) {
        if (rand() < 0.1) {
          // A direct lead, auto-accepted: left out of the offer figures.
          offer.run(id, owner, 1, 1, 'ACCEPTED', at, at, at);
        } else {
          if (rand() < 0.3) offer.run(id, pick(agentIds), 1, 0, rand() < 0.5 ? 'DECLINED' : 'EXPIRED', at, at + window, at + Math.floor(rand() * window));
          offer.run(id, owner, 2, 0, 'ACCEPTED', at, at + window, at + 5000 + Math.floor(rand() * 600_000));
        }
        event.run(id, 'ASSIGNED', at, owner);
        if (rand() < 0.05) leadUser.run(id, pick(agentIds.filter((a) => a !== owner)));
      } else if (state === 'UNASSIGNED') {
        offer.run(id, pick(agentIds), 1, 0, 'EXPIRED', at, at + window, at + window);
      } else if (state === 'ROUTING') {
        offer.run(id, pick(agentIds), 1, 0, 'PENDING', at, END + window, null);
      }
    }
  })();
  const bulkInsert = lap();
  // Rebuild: indexes, then the derived tables' rows, then the triggers that keep them from now on.
  for (const d of derived) if (d.type === 'index') sqlite.exec(d.sql);
  const indexes = lap();
  sqlite.transaction(() => { for (const statement of migrationBackfills()) sqlite.exec(statement); })();
  const backfills = lap();
  for (const d of derived) if (d.type === 'trigger') sqlite.exec(d.sql);
  const triggers = lap();
  sqlite.pragma('synchronous = FULL');
  sqlite.exec('ANALYZE');
  const analyze = lap();
  return { seconds: (performance.now() - t0) / 1000, phases: { setAside, bulkInsert, indexes, backfills, triggers, analyze } };
}

/** What the schema is made of (ANALYZE's statistics tables aside). */
const SCHEMA = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_stat%' ORDER BY sql";

/** Every index and trigger the migrations made is back, with the SQL they were made with. */
function schemaAsMigrated(before: string[]): void {
  const after = sqlite.prepare(SCHEMA).pluck().all() as string[];
  if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error('the seeded schema differs from the migrated one');
}

interface Timing { medianMs: number; p95Ms: number }

/** One run of `fn` (awaited), in ms. */
async function time1(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Number((performance.now() - t0).toFixed(1));
}

/** Runs `fn` (awaited) a few times to warm the page cache, then RUNS times; returns median and p95 in ms. */
async function time(fn: () => unknown): Promise<Timing> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Number((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0).toFixed(3));
  return { medianMs: at(0.5), p95Ms: at(0.95) };
}

const migrated = sqlite.prepare(SCHEMA).pluck().all() as string[];
const seeded = seedData();
const seedSeconds = seeded.seconds;
schemaAsMigrated(migrated);
const listStore = handle.leadList;
// As a server would find it: every lead in the search index (a lagging index is read from the table).
if (await listStore.pendingSearchIndex() !== 0) throw new Error('the seeded leads are not all in the search index');
const listService = createLeadListService({ list: listStore });
const statsService = createLeadStatsService({ stats: handle.leadStats });
const admin = { id: 0, role: 'ADMIN' as const };
const agent = { id: 7, role: 'AGENT' as const };

/** The same rows fetched by primary key: the floor any list query is measured against. */
const byIds = (ids: number[]) => sqlite.prepare(`SELECT * FROM leads WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id DESC`).all(...ids);
const ids = (page: { leads: { id: number }[] }) => page.leads.map((l) => l.id);

interface Row { case: string; api: Timing; baseline: Timing; baselineSql: string; rows: number }
const rows: Row[] = [];
async function bench(name: string, api: () => Promise<{ leads: { id: number }[] }>, baselineSql: string, baseline: () => unknown): Promise<void> {
  const n = (await api()).leads.length;
  rows.push({ case: name, api: await time(api), baseline: await time(baseline), baselineSql, rows: n });
}

const firstPage = () => listService.leads(admin, {}, 20, null);
await bench('first page (20, newest first)', firstPage, 'SELECT * FROM leads ORDER BY id DESC LIMIT 21',
  () => sqlite.prepare('SELECT * FROM leads ORDER BY id DESC LIMIT 21').all());

const midCursor = Buffer.from(`lead:${Math.floor(LEADS / 2)}`).toString('base64');
await bench('page in the middle (after cursor)', () => listService.leads(admin, {}, 20, midCursor),
  'SELECT * FROM leads WHERE id < ? ORDER BY id DESC LIMIT 21',
  () => sqlite.prepare('SELECT * FROM leads WHERE id < ? ORDER BY id DESC LIMIT 21').all(Math.floor(LEADS / 2)));

const filtered = () => listService.leads(admin, { state: 'UNASSIGNED', sourceId: 3 }, 20, null);
const filteredIds = ids(await filtered());
await bench('filtered page (state + source)', filtered, 'SELECT * FROM leads WHERE id IN (<the page ids>)', () => byIds(filteredIds));

const agentPage = () => listService.leads(agent, {}, 20, null);
const agentPageIds = ids(await agentPage());
await bench('agent page (own or user of)', agentPage, 'SELECT * FROM leads WHERE id IN (<the page ids>)', () => byIds(agentPageIds));

const common = () => listService.leads(admin, { search: 'reyes' }, 20, null);
const commonIds = ids(await common());
await bench('search "reyes" (common)', common, 'SELECT * FROM leads WHERE id IN (<the page ids>)', () => byIds(commonIds));
const rare = () => listService.leads(admin, { search: 'muller123' }, 20, null);
const rareIds = ids(await rare());
await bench('search "muller123" (rare)', rare, 'SELECT * FROM leads WHERE id IN (<the page ids>)', () => byIds(rareIds));
const phone = () => listService.leads(admin, { search: '(512) 000-42' }, 20, null);
const phoneIds = ids(await phone());
await bench('search "(512) 000-42" (phone)', phone, 'SELECT * FROM leads WHERE id IN (<the page ids>)', () => byIds(phoneIds));

// What the trigram index saves: the naive substring scan for the rare term.
const naive = await time(() => sqlite.prepare(`SELECT * FROM leads WHERE first_name LIKE @p OR last_name LIKE @p OR email LIKE @p
  OR phone LIKE @p ORDER BY id DESC LIMIT 21`).all({ p: '%muller123%' }));

const countOf = async (page: () => Promise<{ totalCount(): Promise<number> }>) => (await page()).totalCount();
const counts = {
  all: await time(() => countOf(firstPage)),
  filtered: await time(() => countOf(filtered)),
  agent: await time(() => countOf(agentPage)),
  searchCommon: await time(() => countOf(common)),
  plainCountAll: await time(() => sqlite.prepare('SELECT count(*) FROM leads').get()),
  values: { all: await countOf(firstPage), filtered: await countOf(filtered), agent: await countOf(agentPage), searchCommon: await countOf(common) },
};

// Once before timing: the dashboard from the rollups equals the one counted from the raw rows
// (counts exactly, percentiles within the histograms' precision), over all time, the last 30 days
// and 130 days off day boundaries. A range's first call also sums the past 8- and 64-day periods it
// needs (once per period): the first calls are timed apart.
const month = { from: new Date(END - 30 * DAY), to: null };
const firstCalls = {
  allTime: await time1(() => statsService.leadStats({ from: null, to: null })),
  last30Days: await time1(() => statsService.leadStats(month)),
};
const verifySeconds = await time1(async () => {
  for (const range of [{ from: null, to: null }, month, { from: new Date(START + 100 * DAY + 3_600_000), to: new Date(START + 230 * DAY - 7_200_000) }]) {
    const problems = statsDifferences(await statsService.leadStats(range), referenceLeadStats(sqlite, range));
    if (problems.length > 0) throw new Error(`leadStats disagrees with the raw rows over ${JSON.stringify(range)}:\n${problems.join('\n')}`);
  }
}) / 1000;
const stats = {
  allTime: await time(() => statsService.leadStats({ from: null, to: null })),
  last30Days: await time(() => statsService.leadStats(month)),
  // Baseline: one plain pass over the same leads and offers (count only, nothing grouped or sorted).
  baselineAllTime: await time(() => {
    sqlite.prepare('SELECT count(*) FROM leads').get();
    sqlite.prepare('SELECT count(*) FROM offers').get();
  }),
  baselineLast30Days: await time(() => {
    sqlite.prepare('SELECT count(*) FROM leads WHERE created_at >= ?').get(month.from.getTime());
    sqlite.prepare('SELECT count(*) FROM offers WHERE offered_at >= ?').get(month.from.getTime());
  }),
  totalAllTime: (await statsService.leadStats({ from: null, to: null })).total,
};

const offerCount = (sqlite.prepare('SELECT count(*) AS n FROM offers').get() as { n: number }).n;
const fileMb = Number((statSync(file).size / 1e6).toFixed(1));

const pad = (s: string, n: number) => s.padEnd(n);
const fmt = (t: Timing) => `${t.medianMs.toFixed(3)} / ${t.p95Ms.toFixed(3)}`;
const phases = Object.entries(seeded.phases).map(([k, v]) => `${k} ${v} s`).join(', ');
console.log(`\nlead list and dashboard: ${LEADS.toLocaleString('en')} leads, ${offerCount.toLocaleString('en')} offers, seeded in ${seedSeconds.toFixed(1)} s (${phases}), ${fileMb} MB; ${RUNS} runs each (ms median / p95)`);
console.log(`leadStats checked against the raw rows (all time, last 30 days, 130 days off day boundaries) in ${verifySeconds.toFixed(1)} s; first calls (summing past periods): all time ${firstCalls.allTime} ms, last 30 days ${firstCalls.last30Days} ms\n`);
console.log(`${pad('case', 36)}${pad('API path', 22)}${pad('baseline', 22)}rows`);
for (const r of rows) console.log(`${pad(r.case, 36)}${pad(fmt(r.api), 22)}${pad(fmt(r.baseline), 22)}${r.rows}`);
console.log(`${pad('naive LIKE scan, rare term', 36)}${pad('', 22)}${pad(fmt(naive), 22)}`);
console.log('');
console.log(`${pad('totalCount, all leads', 36)}${pad(fmt(counts.all), 22)}${pad(fmt(counts.plainCountAll), 22)}${counts.values.all}`);
console.log(`${pad('totalCount, state + source', 36)}${pad(fmt(counts.filtered), 22)}${pad('', 22)}${counts.values.filtered}`);
console.log(`${pad('totalCount, agent', 36)}${pad(fmt(counts.agent), 22)}${pad('', 22)}${counts.values.agent}`);
console.log(`${pad('totalCount, search "reyes"', 36)}${pad(fmt(counts.searchCommon), 22)}${pad('', 22)}${counts.values.searchCommon}`);
console.log('');
const STATS_TARGET_MS = 100;
const target = (t: Timing) => `≤ ${STATS_TARGET_MS} ms ${t.medianMs <= STATS_TARGET_MS ? '✔' : '✘ missed'}`;
console.log(`${pad('', 36)}${pad('', 22)}${pad('', 22)}${pad('rows', 10)}target (median)`);
console.log(`${pad('leadStats, all time', 36)}${pad(fmt(stats.allTime), 22)}${pad(fmt(stats.baselineAllTime), 22)}${pad(String(stats.totalAllTime), 10)}${target(stats.allTime)}`);
console.log(`${pad('leadStats, last 30 days', 36)}${pad(fmt(stats.last30Days), 22)}${pad(fmt(stats.baselineLast30Days), 22)}${pad('', 10)}${target(stats.last30Days)}`);
console.log(JSON.stringify({ bench: 'lead-list', leads: LEADS, offers: offerCount, seedSeconds: Number(seedSeconds.toFixed(1)), seedPhases: seeded.phases, fileMb, runs: RUNS, list: rows, naiveLikeScan: naive, totalCount: counts, leadStats: { ...stats, targetMs: STATS_TARGET_MS, firstCallMs: firstCalls, verifiedSeconds: Number(verifySeconds.toFixed(1)) } }));

await handle.close();
if (process.argv.includes('--keep')) console.error(`kept ${file}`);

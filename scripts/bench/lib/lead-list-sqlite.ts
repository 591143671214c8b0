// The million leads of lead-list-data.ts in a temp SQLite file (removed at close, or on any exit, unless
// kept), opened by openSqliteStore as a server opens it, for `npm run bench:leads`.
//
// Seeding is fast because the bulk rows go in bare: the indexes and triggers the migrations built on
// the bulk tables (the FTS5 trigram index, the dashboard's rollups, secondary indexes) are set aside
// first and rebuilt afterwards from the same SQL: the indexes from their own CREATE statements, the
// derived tables by the migrations' own backfill statements, then the triggers. What is timed is the
// schema exactly as migrated.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
// The slow, obvious computation of the dashboard the tests check the rollups against.
import { referenceLeadStats } from '../../../test/support/lead-stats-reference.js';
import { AGENTS, generateLeads, SOURCES } from './lead-list-data.js';
import type { SeededLeads, SeedReport } from './lead-list-target.js';

/** The tables the bulk insert fills. */
const BULK_TABLES = ['leads', 'offers', 'lead_users', 'lead_events'];
const MIGRATIONS = fileURLToPath(new URL('../../../drizzle', import.meta.url));

export interface SqliteSeedOptions {
  leads: number;
  /** Keep the file at close (its path is printed). */
  keep: boolean;
  /** A file an earlier run kept: timed again as it is, not seeded. */
  reuse: string | null;
}

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

/** What the schema is made of (ANALYZE's statistics tables aside). */
const SCHEMA = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_stat%' ORDER BY sql";

export async function seedSqlite(options: SqliteSeedOptions): Promise<SeededLeads> {
  const file = options.reuse ?? join(mkdtempSync(join(tmpdir(), 'leadrace-bench-list-')), 'bench.db');
  const keep = options.keep || options.reuse !== null;
  // The seed is a few hundred MB: removed on any exit unless kept, a failed run included.
  const remove = () => {
    if (!keep) rmSync(dirname(file), { recursive: true, force: true });
  };
  process.on('exit', remove);
  const store = openSqliteStore(file);
  let seed: SeedReport | null = null;
  if (!options.reuse) {
    const migrated = store.sqlite.prepare(SCHEMA).pluck().all() as string[];
    seed = seedRows(store, options.leads);
    // Every index and trigger the migrations made is back, with the SQL they were made with.
    if (JSON.stringify(store.sqlite.prepare(SCHEMA).pluck().all()) !== JSON.stringify(migrated)) {
      throw new Error('the seeded schema differs from the migrated one');
    }
  }
  // As a server would find it: every lead in the search index (a lagging index is read from the table).
  if (await store.leadList.pendingSearchIndex() !== 0) throw new Error('the seeded leads are not all in the search index');
  const { sqlite } = store;
  const count = (sql: string) => (sqlite.prepare(sql).pluck().get() as number);
  const sql = {
    firstPage: 'SELECT * FROM leads ORDER BY id DESC LIMIT 21',
    pageBefore: 'SELECT * FROM leads WHERE id < ? ORDER BY id DESC LIMIT 21',
    byIds: 'SELECT * FROM leads WHERE id IN (<the page ids>)',
    naiveSearch: `SELECT * FROM leads WHERE first_name LIKE @p OR last_name LIKE @p OR email LIKE @p
      OR phone LIKE @p ORDER BY id DESC LIMIT 21`,
    countLeads: 'SELECT count(*) FROM leads',
  };
  return {
    label: 'SQLite',
    store,
    seed,
    leads: count('SELECT count(*) FROM leads'),
    offers: count('SELECT count(*) FROM offers'),
    sizeMb: Number((statSync(file).size / 1e6).toFixed(1)),
    baseline: {
      firstPage: async () => sqlite.prepare(sql.firstPage).all(),
      pageBefore: async (id) => sqlite.prepare(sql.pageBefore).all(id),
      byIds: async (ids) => sqlite.prepare(`SELECT * FROM leads WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id DESC`).all(...ids),
      naiveSearch: async (term) => sqlite.prepare(sql.naiveSearch).all({ p: `%${term}%` }),
      countLeads: async () => sqlite.prepare(sql.countLeads).get(),
      countLeadsAndOffers: async (fromMs) => {
        if (fromMs === null) {
          sqlite.prepare('SELECT count(*) FROM leads').get();
          sqlite.prepare('SELECT count(*) FROM offers').get();
        } else {
          sqlite.prepare('SELECT count(*) FROM leads WHERE created_at >= ?').get(fromMs);
          sqlite.prepare('SELECT count(*) FROM offers WHERE offered_at >= ?').get(fromMs);
        }
      },
      sql,
    },
    reference: async (range) => referenceLeadStats(sqlite, range),
    async close() {
      await store.close();
      if (keep) console.error(`kept SQLite file ${file}`);
      remove();
    },
  };
}

function seedRows(store: SqliteStore, leads: number): SeedReport {
  const { sqlite } = store;
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
  const statusCodeIds = sqlite.prepare('SELECT id FROM status_codes ORDER BY position').pluck().all() as number[];
  const agentIds = sqlite.prepare('SELECT id FROM users ORDER BY id').pluck().all() as number[];

  const lead = sqlite.prepare(`INSERT INTO leads (id, source_id, kind, state, owner_id, status_code_id, first_name, last_name,
    email, phone, round, created_at, assigned_at) VALUES (?, ?, 'GENERAL', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`);
  const offer = sqlite.prepare(`INSERT INTO offers (lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const leadUser = sqlite.prepare('INSERT INTO lead_users (lead_id, user_id) VALUES (?, ?)');
  const event = sqlite.prepare('INSERT INTO lead_events (lead_id, type, at, agent_id) VALUES (?, ?, ?, ?)');
  sqlite.transaction(() => {
    for (const r of generateLeads(leads, { agentIds, statusCodeIds })) {
      switch (r.table) {
        case 'leads': {
          const l = r.row;
          lead.run(l.id, l.sourceId, l.state, l.ownerId, l.statusCodeId, l.firstName, l.lastName, l.email, l.phone, l.createdAt, l.assignedAt);
          break;
        }
        case 'offers': {
          const o = r.row;
          offer.run(o.leadId, o.agentId, o.round, o.direct ? 1 : 0, o.state, o.offeredAt, o.expiresAt, o.respondedAt);
          break;
        }
        case 'lead_events':
          event.run(r.row.leadId, r.row.type, r.row.at, r.row.agentId);
          break;
        case 'lead_users':
          leadUser.run(r.row.leadId, r.row.userId);
          break;
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
  return {
    seconds: (performance.now() - t0) / 1000,
    phases: { setAside, bulkInsert, indexes, backfills, triggers, analyze },
    method: `rows inserted in one transaction with the indexes and triggers of ${BULK_TABLES.join(', ')} set aside, then the indexes `
      + 'rebuilt, the derived tables filled by the migrations\' own backfills (FTS5 search rows, rollups), the triggers restored, ANALYZE',
  };
}

// The lead list's search on PostgreSQL at a million leads:
//
//   npx tsx scripts/bench/pg-lead-search.ts [--url=postgres://postgres@127.0.0.1:5432/postgres] [--leads=1000000] [--runs=50] [--keep]
//
// Seeds a temp database (dropped at the end unless --keep), migrated by migratePostgres, with leads like those of
// scripts/bench-lead-list.ts (15 first and 15 last names, email first.lastN@mail.example, phone +1512 and the id
// in 7 digits, owners, 5% of assigned leads with a second user), then times the searches that bench times on
// SQLite through createLeadSearch (src/store/postgres/lead-search.ts), page of 21 as the list asks: a common name,
// a rare email part, a phone, and the agent's and the next page's variants, each beside a plain read of the same
// ids by primary key, and the same search without the trigram index (columns ILIKE'd, as a naive query would).
// Prints EXPLAIN (ANALYZE, BUFFERS) of each search, a table, then one JSON line.
//
// Seeding is quick because the rows go in bare: one INSERT ... SELECT generate_series with the indexes on leads
// set aside and rebuilt afterwards from their own definitions (pg_indexes), triggers off for the session
// (session_replication_role = replica: the rollup triggers and foreign-key checks; the rollups are not what is
// measured and stay empty). The schema timed is checked to be the schema as migrated.
import { performance } from 'node:perf_hooks';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { createLeadSearch, type LeadSearch } from '../../src/store/postgres/lead-search.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import * as schema from '../../src/store/postgres/schema.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const keep = args.has('keep');
const adminUrl = args.get('url') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LEADS = Number(args.get('leads') ?? 1_000_000);
const RUNS = Number(args.get('runs') ?? 50);
const AGENTS = 100;
const SOURCES = 8;
const PAGE = 21;

const FIRST = ['Dana', 'Ole', 'Maria', 'James', 'Wei', 'Aisha', 'Carlos', 'Emma', 'Noah', 'Priya', 'Liam', 'Sofia', 'Kenji', 'Fatima', 'Lucas'];
const LAST = ['Reyes', 'Brandt', 'Garcia', 'Smith', 'Chen', 'Khan', 'Lopez', 'Muller', 'Okafor', 'Patel', 'Nguyen', 'Rossi', 'Sato', 'Haddad', 'Silva'];
const textArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(', ')}]`;

const dbName = `leadrace_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
// The database is dropped WITH (FORCE) at the end: an idle pooled connection it ends is not an error.
pool.on('error', () => {});

/** Set once a pooled client is taken: the pool ends only when it is back. */
let releaseClient = () => {};

async function dropDatabase(): Promise<void> {
  releaseClient();
  await pool.end().catch(() => undefined);
  if (keep) console.error(`kept database ${dbName}`);
  else await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}

const lap = (() => {
  let mark = performance.now();
  return () => {
    const now = performance.now();
    const s = Number(((now - mark) / 1000).toFixed(1));
    mark = now;
    return s;
  };
})();

interface Timing { medianMs: number; p95Ms: number }

/** Three warm-up runs, then RUNS timed ones: median and p95 in ms. */
async function time(fn: () => Promise<unknown>): Promise<Timing> {
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

try {
  await migratePostgres(url.toString());
  const migratedSeconds = lap();
  const searcher = createLeadSearch(drizzle(pool, { schema }));
  const client = await pool.connect();
  releaseClient = () => client.release();
  const schemaNow = async () => (await client.query<{ d: string }>(
    "SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname")).rows.map((r) => r.d);
  const migrated = await schemaNow();

  // Seed: indexes of the bulk tables aside (those of constraints, the primary keys, stay), rows in bare, indexes rebuilt.
  const aside = (await client.query<{ name: string; def: string }>(`SELECT indexname AS name, indexdef AS def FROM pg_indexes AS i
    WHERE schemaname = 'public' AND tablename IN ('leads', 'lead_users')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`)).rows;
  for (const index of aside) await client.query(`DROP INDEX "${index.name}"`);
  await client.query('SET session_replication_role = replica');
  await client.query(`INSERT INTO users (name, email, role, handle)
    SELECT 'Agent ' || i, 'agent' || i || '@bench.example', 'AGENT', 'agent' || i FROM generate_series(1, ${AGENTS}) AS i`);
  await client.query(`INSERT INTO lead_sources (name, public_key) SELECT 'Source ' || i, 'bench-key-' || i FROM generate_series(1, ${SOURCES}) AS i`);
  await client.query("INSERT INTO status_codes (name, position, is_default) VALUES ('New', 1, true), ('Showing Houses', 2, false), ('Closed', 3, false)");
  // Pseudo-random and repeatable: hashes of the id pick names, state, owner and source.
  // (bigint before abs: the hash can be -2^31.)
  const h = (salt: number, n: number) => `(abs(hashint4(i * 31 + ${salt})::bigint) % ${n})`;
  await client.query(`INSERT INTO leads (id, source_id, kind, state, owner_id, status_code_id, first_name, last_name, email, phone, round, created_at, assigned_at)
    SELECT i, 1 + ${h(1, SOURCES)}, 'GENERAL', x.state, x.owner, 1 + ${h(2, 3)}, x.first, x.last,
      lower(x.first || '.' || x.last || i || '@mail.example'), '+1512' || lpad(i::text, 7, '0'), 1, x.at, CASE WHEN x.owner IS NULL THEN NULL ELSE x.at END
    FROM generate_series(1, ${LEADS}) AS i,
    LATERAL (SELECT (${textArray(FIRST)})[1 + ${h(3, FIRST.length)}] AS first, (${textArray(LAST)})[1 + ${h(4, LAST.length)}] AS last,
      CASE WHEN i > ${LEADS - 200} THEN 'ROUTING' WHEN ${h(5, 10)} < 8 THEN 'ASSIGNED' ELSE 'UNASSIGNED' END AS state,
      timestamptz '2025-01-05 09:00+00' + (i::float8 / ${LEADS}) * interval '365 days' AS at) AS s0,
    LATERAL (SELECT s0.first, s0.last, s0.state, s0.at, CASE WHEN s0.state = 'ASSIGNED' THEN 1 + ${h(6, AGENTS)} END AS owner) AS x`);
  await client.query(`SELECT setval(pg_get_serial_sequence('leads', 'id'), ${LEADS})`);
  // A second agent (not the owner) on one assigned lead in twenty; `i` names the lead's id for h().
  await client.query(`INSERT INTO lead_users (lead_id, user_id)
    SELECT id, 1 + (owner_id + ${h(7, AGENTS - 1)}) % ${AGENTS} FROM leads AS l, LATERAL (SELECT l.id AS i) AS k
    WHERE owner_id IS NOT NULL AND ${h(8, 20)} = 0`);
  const bulkInsert = lap();
  await client.query('SET session_replication_role = origin');
  await client.query("SET maintenance_work_mem = '256MB'");
  for (const index of aside) await client.query(index.def);
  const indexes = lap();
  await client.query('VACUUM ANALYZE leads');
  await client.query('VACUUM ANALYZE lead_users');
  const analyze = lap();
  if (JSON.stringify(await schemaNow()) !== JSON.stringify(migrated)) throw new Error('the seeded schema differs from the migrated one');
  const size = (await client.query<{ table: string; index: string }>(`SELECT pg_size_pretty(pg_table_size('leads')) AS table,
    pg_size_pretty(pg_relation_size('leads_search_trgm')) AS index`)).rows[0];

  const search = (text: string, memberId: number | null = null, after: number | null = null): LeadSearch =>
    ({ text, memberId, first: PAGE, after });
  const byIds = (ids: number[]) => client.query('SELECT * FROM leads WHERE id = ANY($1) ORDER BY id DESC', [ids]);
  /** A naive query: the columns ILIKE'd one by one, which the trigram index (one expression) does not serve. */
  const naive = (text: string) => client.query(`SELECT id FROM leads WHERE first_name ILIKE $1 OR last_name ILIKE $1
    OR email ILIKE $1 OR phone ILIKE $1 ORDER BY id DESC LIMIT ${PAGE}`, [`%${text}%`]);

  const commonIds = await searcher.leadIds(search('reyes'));
  const owner = (await client.query<{ owner_id: number }>('SELECT owner_id FROM leads WHERE owner_id IS NOT NULL LIMIT 1')).rows[0]?.owner_id ?? 1;
  const cases: { name: string; query: LeadSearch }[] = [
    { name: 'search "reyes" (common)', query: search('reyes') },
    { name: 'search "reyes", next page', query: search('reyes', null, commonIds[commonIds.length - 1] ?? null) },
    { name: 'search "muller123" (rare)', query: search('muller123') },
    { name: 'search "(512) 000-42" (phone)', query: search('(512) 000-42') },
    { name: `search "reyes", agent ${owner}'s leads`, query: search('reyes', owner) },
    { name: 'search "muller123", agent\'s leads', query: search('muller123', owner) },
  ];

  console.log(`\nPostgreSQL lead search: ${LEADS.toLocaleString('en')} leads (table ${size?.table}, trigram index ${size?.index}); `
    + `migrated ${migratedSeconds} s, seeded ${bulkInsert} s, indexes rebuilt ${indexes} s, vacuum analyze ${analyze} s; ${RUNS} runs each (ms median / p95)\n`);
  const rows: { case: string; api: Timing; baseline: Timing; rows: number; plan: string[]; serverMs: number }[] = [];
  for (const c of cases) {
    const ids = await searcher.leadIds(c.query);
    const plan = await explain(c.query);
    // The server's own time for the statement (EXPLAIN ANALYZE), apart from the round trips and the client.
    const serverMs = Number(/Execution Time: ([\d.]+) ms/.exec(plan.join('\n'))?.[1] ?? NaN);
    rows.push({ case: c.name, api: await time(() => searcher.leadIds(c.query)), baseline: await time(() => byIds(ids)), rows: ids.length, plan, serverMs });
  }
  const naiveRare = await time(() => naive('muller123'));
  const naiveCommon = await time(() => naive('reyes'));

  for (const r of rows) console.log(`-- ${r.case}\n${r.plan.join('\n')}\n`);
  const pad = (s: string, n: number) => s.padEnd(n);
  const fmt = (t: Timing) => `${t.medianMs.toFixed(3)} / ${t.p95Ms.toFixed(3)}`;
  console.log(`${pad('case', 44)}${pad('leadIds', 22)}${pad('same ids by key', 22)}${pad('rows', 6)}${pad('index', 7)}server (EXPLAIN)`);
  for (const r of rows) {
    const indexed = r.plan.some((l) => l.includes('leads_search_trgm')) ? 'yes' : 'no';
    console.log(`${pad(r.case, 44)}${pad(fmt(r.api), 22)}${pad(fmt(r.baseline), 22)}${pad(String(r.rows), 6)}${pad(indexed, 7)}${r.serverMs.toFixed(3)} ms`);
  }
  console.log(`${pad('naive ILIKE per column, "muller123"', 44)}${pad(fmt(naiveRare), 22)}`);
  console.log(`${pad('naive ILIKE per column, "reyes"', 44)}${pad(fmt(naiveCommon), 22)}`);
  console.log(JSON.stringify({
    bench: 'pg-lead-search', leads: LEADS, runs: RUNS, seedSeconds: { migratedSeconds, bulkInsert, indexes, analyze }, size,
    search: rows.map(({ plan, ...r }) => ({ ...r, indexUsed: plan.some((l) => l.includes('leads_search_trgm')) })),
    naive: { rare: naiveRare, common: naiveCommon },
  }));

  /** EXPLAIN (ANALYZE, BUFFERS) of the statement leadIds runs (its last: a phone search samples first), as drizzle sent it. */
  async function explain(query: LeadSearch): Promise<string[]> {
    const captured: { sql: string; params: unknown[] }[] = [];
    const logged = drizzle(pool, { schema, logger: { logQuery: (text, params) => { captured.push({ sql: text, params }); } } });
    await createLeadSearch(logged).leadIds(query);
    const statement = captured[captured.length - 1];
    if (!statement) throw new Error('leadIds sent no query');
    const r = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`, statement.params);
    return r.rows.map((row) => row['QUERY PLAN']);
  }
} finally {
  await dropDatabase();
}

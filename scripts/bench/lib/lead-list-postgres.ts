// The million leads of lead-list-data.ts in a fresh PostgreSQL database (CREATE DATABASE with a random name,
// dropped at close unless kept), migrated and opened by openPostgresStore as a server opens it, for
// `npm run bench:leads -- --store=postgres`.
//
// Seeding is fast because the rows go in bare, in one transaction: as arrays (INSERT ... SELECT FROM unnest, one
// statement per table and batch of leads), with the secondary indexes of the bulk tables set aside and rebuilt
// afterwards from their own definitions (pg_indexes), and the tables' triggers set aside too (foreign-key checks
// among them), all but the dashboard's staging triggers (drizzle/postgres/0003). PostgreSQL's migrations have no
// backfill, so the rollups are made by 0003's own code: its staging triggers stage every lead and offer as it goes
// in, and its apply trigger applies the staged changes once at commit, as it does for a server's transaction
// (seedRows says why once, not per row). The check against the raw rows then checks that code at a million
// leads. Then VACUUM ANALYZE, as autovacuum would do in time (visibility map for index-only counts, statistics).
// The schema timed is checked to be the schema as migrated: every index and trigger, by definition, enabled.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/pg-store.js';
import { postgresReferenceLeadStats } from '../../../test/support/lead-stats-postgres.js';
import { AGENTS, generateLeads, SOURCES, type SeedEvent, type SeedLead, type SeedLeadUser, type SeedOffer, type SeedRow } from './lead-list-data.js';
import type { Baselines, SeededLeads, SeedReport } from './lead-list-target.js';

/** The tables the bulk insert fills: their secondary indexes are set aside while it runs. */
const BULK_TABLES = ['leads', 'offers', 'lead_users', 'lead_events'];
/** Leads per statement (with their ~1.2 offers, ~1.8 events): big enough that a round trip is nothing beside it. */
const BATCH = 20_000;
/** The rollup triggers of drizzle/postgres/0003 that stage each inserted row's change (applied at commit by others). */
const STAGING_TRIGGERS = [['leads', 'lead_rollups_1_stage'], ['offers', 'offer_rollups_1_stage']] as const;

export interface PostgresSeedOptions {
  /** A database on the server to connect to first, to create and drop the bench's own (postgres://…/postgres). */
  adminUrl: string;
  leads: number;
  /** Keep the database at close (its name is printed). */
  keep: boolean;
  /** The name of a database an earlier run kept: timed again as it is, not seeded. */
  reuse: string | null;
}

const urlOf = (adminUrl: string, database: string): string => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

export async function seedPostgres(options: PostgresSeedOptions): Promise<SeededLeads> {
  const name = options.reuse ?? `leadrace_bench_leads_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  const drop = async () => {
    if (options.keep || options.reuse) console.error(`kept PostgreSQL database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  let store: PostgresStore | null = null;
  try {
    if (!options.reuse) await admin.query(`CREATE DATABASE ${name}`);
    const url = urlOf(options.adminUrl, name);
    store = await openPostgresStore(url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const seed = options.reuse ? null : await seedRows(client, options.leads);
      return await target(store, client, seed, async () => {
        await client.end();
        await store?.close();
        await drop();
      });
    } catch (err) {
      await client.end();
      throw err;
    }
  } catch (err) {
    await store?.close();
    await drop();
    throw err;
  }
}

/** Every index and trigger of the schema, by its definition (and whether the trigger is enabled). */
async function schemaOf(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ d: string }>(`SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text FROM pg_trigger AS t
      JOIN pg_class AS c ON c.oid = t.tgrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND NOT t.tgisinternal
    ORDER BY 1`);
  return rows.map((r) => r.d);
}

async function seedRows(client: pg.Client, leads: number): Promise<SeedReport> {
  const t0 = performance.now();
  let mark = t0;
  const lap = () => {
    const now = performance.now();
    const s = Number(((now - mark) / 1000).toFixed(1));
    mark = now;
    return s;
  };
  const migrated = await schemaOf(client);
  await client.query(`INSERT INTO users (name, email, role, handle)
    SELECT 'Agent ' || i, 'agent' || i || '@bench.example', 'AGENT', 'agent' || i FROM generate_series(1, ${AGENTS}) AS i`);
  await client.query(`INSERT INTO lead_sources (name, public_key) SELECT 'Source ' || i, 'bench-key-' || i FROM generate_series(1, ${SOURCES}) AS i`);
  const ids = async (sql: string) => (await client.query<{ id: number }>(sql)).rows.map((r) => r.id);
  const refs = { agentIds: await ids('SELECT id FROM users ORDER BY id'), statusCodeIds: await ids('SELECT id FROM status_codes ORDER BY position') };

  // One transaction, as SQLite's seed. The secondary indexes of the bulk tables are set aside (kept as their
  // CREATE statements; those of constraints, the primary keys, stay), and so are the tables' triggers but the
  // rollups' staging ones: no foreign-key checks (the generator's rows are consistent), no per-row apply.
  await client.query('BEGIN');
  const aside = (await client.query<{ name: string; def: string }>(`SELECT indexname AS name, indexdef AS def FROM pg_indexes AS i
    WHERE schemaname = 'public' AND tablename = ANY($1)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
  [BULK_TABLES])).rows;
  for (const index of aside) await client.query(`DROP INDEX "${index.name}"`);
  for (const table of BULK_TABLES) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ALL`);
  for (const [table, trigger] of STAGING_TRIGGERS) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  const setAside = lap();

  let batch = new Batch();
  for (const r of generateLeads(leads, refs)) {
    // A batch ends before a lead, never between a lead and its rows.
    if (r.table === 'leads' && batch.leads.length >= BATCH) {
      await batch.insert(client);
      batch = new Batch();
    }
    batch.add(r);
  }
  await batch.insert(client);
  await client.query(`SELECT setval(pg_get_serial_sequence('leads', 'id'), ${leads})`);
  const bulkInsert = lap();

  // The staged changes (one row per lead and per counted offer, made by the migration's staging function) are
  // applied once, at commit, by the migration's apply function, as a server's commit applies its own. A row
  // event of an enabled apply trigger is what runs it: one lead inserted and deleted again, with the key of an
  // existing lead (a change of +1 and -1 on a rollup row that exists). Applied per row instead, each of the
  // seed's millions of events would look through every change already applied in the transaction: the cost
  // grows with the square of the rows in one transaction (scripts/bench/rollup-trigger-cost.ts measures it).
  for (const table of BULK_TABLES) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ALL`);
  await client.query(`INSERT INTO leads (id, source_id, kind, state, status_code_id, first_name, created_at)
    SELECT $1, source_id, kind, state, status_code_id, first_name, created_at FROM leads WHERE id = 1`, [leads + 1]);
  await client.query('DELETE FROM leads WHERE id = $1', [leads + 1]);
  await client.query('COMMIT');
  const rollups = lap();

  await client.query("SET maintenance_work_mem = '256MB'");
  for (const index of aside) await client.query(index.def);
  const indexes = lap();
  await client.query('VACUUM ANALYZE');
  const vacuumAnalyze = lap();
  if (JSON.stringify(await schemaOf(client)) !== JSON.stringify(migrated)) throw new Error('the seeded schema differs from the migrated one');
  const staged = await client.query<{ n: number }>('SELECT (SELECT count(*) FROM lead_rollup_changes) + (SELECT count(*) FROM offer_rollup_changes) AS n');
  if (Number(staged.rows[0]?.n) !== 0) throw new Error('rollup changes were left staged after the seed committed');
  return {
    seconds: (performance.now() - t0) / 1000,
    phases: { setAside, bulkInsert, rollups, indexes, vacuumAnalyze },
    method: `one transaction; rows inserted from arrays (${BATCH.toLocaleString('en')} leads per statement) with the secondary indexes `
      + `of ${BULK_TABLES.join(', ')} and their triggers set aside (foreign-key checks included), but the rollups' staging triggers `
      + '(0003), which staged every lead and offer; the staged changes applied once at commit by 0003\'s apply trigger (fired by '
      + 'one lead inserted and deleted); triggers and indexes restored (pg_indexes definitions), VACUUM ANALYZE',
  };
}

/** Milliseconds since the epoch as timestamptz, exactly (no float seconds). */
const at = (column: string) => `timestamptz 'epoch' + ${column} * interval '1 millisecond'`;

/** A batch of rows, inserted as arrays: one parameter per column, one statement per table. */
class Batch {
  readonly leads: SeedLead[] = [];
  readonly offers: SeedOffer[] = [];
  readonly events: SeedEvent[] = [];
  readonly leadUsers: SeedLeadUser[] = [];

  add(r: SeedRow): void {
    switch (r.table) {
      case 'leads': this.leads.push(r.row); return;
      case 'offers': this.offers.push(r.row); return;
      case 'lead_events': this.events.push(r.row); return;
      case 'lead_users': this.leadUsers.push(r.row); return;
    }
  }

  async insert(client: pg.Client): Promise<void> {
    const { leads, offers, events, leadUsers } = this;
    await client.query(`INSERT INTO leads (id, source_id, kind, state, owner_id, status_code_id, first_name, last_name, email, phone,
        round, created_at, assigned_at)
      SELECT id, source_id, 'GENERAL', state, owner_id, status_code_id, first_name, last_name, email, phone, 1, ${at('created')},
        ${at('assigned')}
      FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[],
        $11::bigint[]) AS t(id, source_id, state, owner_id, status_code_id, first_name, last_name, email, phone, created, assigned)`,
    [leads.map((l) => l.id), leads.map((l) => l.sourceId), leads.map((l) => l.state), leads.map((l) => l.ownerId),
      leads.map((l) => l.statusCodeId), leads.map((l) => l.firstName), leads.map((l) => l.lastName), leads.map((l) => l.email),
      leads.map((l) => l.phone), leads.map((l) => l.createdAt), leads.map((l) => l.assignedAt)]);
    // WITH ORDINALITY ... ORDER BY: the offers and events get their ids in the order they were made, as on SQLite.
    await client.query(`INSERT INTO offers (lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at)
      SELECT lead_id, agent_id, round, direct, state, ${at('offered')}, ${at('expires')}, ${at('responded')}
      FROM unnest($1::int[], $2::int[], $3::int[], $4::boolean[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
        WITH ORDINALITY AS t(lead_id, agent_id, round, direct, state, offered, expires, responded, n) ORDER BY n`,
    [offers.map((o) => o.leadId), offers.map((o) => o.agentId), offers.map((o) => o.round), offers.map((o) => o.direct),
      offers.map((o) => o.state), offers.map((o) => o.offeredAt), offers.map((o) => o.expiresAt), offers.map((o) => o.respondedAt)]);
    await client.query(`INSERT INTO lead_events (lead_id, type, at, agent_id)
      SELECT lead_id, type, ${at('at_ms')}, agent_id FROM unnest($1::int[], $2::text[], $3::bigint[], $4::int[])
        WITH ORDINALITY AS t(lead_id, type, at_ms, agent_id, n) ORDER BY n`,
    [events.map((e) => e.leadId), events.map((e) => e.type), events.map((e) => e.at), events.map((e) => e.agentId)]);
    await client.query('INSERT INTO lead_users (lead_id, user_id) SELECT * FROM unnest($1::int[], $2::int[])',
      [leadUsers.map((u) => u.leadId), leadUsers.map((u) => u.userId)]);
  }
}

async function target(store: PostgresStore, client: pg.Client, seed: SeedReport | null, close: () => Promise<void>): Promise<SeededLeads> {
  const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
  const leads = await count('SELECT count(*) AS n FROM leads');
  const offers = await count('SELECT count(*) AS n FROM offers');
  const sizeMb = Number((await count('SELECT pg_database_size(current_database()) AS n') / 1e6).toFixed(1));
  const sql = {
    firstPage: 'SELECT * FROM leads ORDER BY id DESC LIMIT 21',
    pageBefore: 'SELECT * FROM leads WHERE id < $1 ORDER BY id DESC LIMIT 21',
    byIds: 'SELECT * FROM leads WHERE id = ANY($1) ORDER BY id DESC',
    naiveSearch: `SELECT * FROM leads WHERE first_name ILIKE $1 OR last_name ILIKE $1 OR email ILIKE $1 OR phone ILIKE $1
      ORDER BY id DESC LIMIT 21`,
    countLeads: 'SELECT count(*) FROM leads',
  };
  // Through the store's pool, as the services' statements go (a round trip each, as theirs).
  const { pool } = store;
  const baseline: Baselines = {
    firstPage: () => pool.query(sql.firstPage),
    pageBefore: (id) => pool.query(sql.pageBefore, [id]),
    byIds: (ids) => pool.query(sql.byIds, [ids]),
    naiveSearch: (term) => pool.query(sql.naiveSearch, [`%${term}%`]),
    countLeads: () => pool.query(sql.countLeads),
    countLeadsAndOffers: async (fromMs) => {
      if (fromMs === null) {
        await pool.query('SELECT count(*) FROM leads');
        await pool.query('SELECT count(*) FROM offers');
      } else {
        await pool.query('SELECT count(*) FROM leads WHERE created_at >= $1', [new Date(fromMs)]);
        await pool.query('SELECT count(*) FROM offers WHERE offered_at >= $1', [new Date(fromMs)]);
      }
    },
    sql: { ...sql, byIds: 'SELECT * FROM leads WHERE id = ANY(<the page ids>)' },
  };
  return {
    label: 'PostgreSQL', store, seed, leads, offers, sizeMb, baseline,
    reference: (range) => postgresReferenceLeadStats(client, range),
    close,
  };
}

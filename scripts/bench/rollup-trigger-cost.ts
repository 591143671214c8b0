// What the dashboard's rollup triggers cost each write, on SQLite (drizzle/0005) and on PostgreSQL
// (drizzle/postgres/0003, which stages each change per row and applies them at commit):
//
//   npx tsx scripts/bench/rollup-trigger-cost.ts [--store=both|sqlite|postgres] [--writes=1000] [--batch=1000]
//     [--rounds=5] [--pg-url=postgres://postgres@127.0.0.1:5432/postgres]
//
// Four writes, each a plain statement on a freshly migrated database (a temp file; a temp database, dropped
// after): a lead created, an offer made, a lead's status changed, an offer accepted (its own row only; the
// answer 5 s to 10 min after the offer, as bench:leads' leads, so most fall in the histogram's logarithmic
// buckets). Each is timed with the rollup triggers on and with them set aside (SQLite: dropped and made again
// from their own SQL; PostgreSQL: disabled), in alternating order over several rounds; the cost is the
// difference of the medians, per write. Two ways: every write its own transaction (what a server does; commits
// do not wait for the disk here, SQLite synchronous = OFF and PostgreSQL synchronous_commit = off, so that the
// figure is the triggers' work and not fsync noise), and `--batch` writes in one transaction (README's first
// SQLite figures were 10,000 in one). Then how the cost of one transaction grows with the leads it creates.
// Prints a table and one JSON line; each figure carries the 1-minute load average when it was taken.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { Args } from './lib/args.js';

const args = new Args(process.argv.slice(2));
const STORES = args.str('store', 'both');
const WRITES = args.num('writes', 1000);
const BATCH = args.num('batch', 1000);
const ROUNDS = args.num('rounds', 5);
const PG_URL = args.str('pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');
args.checkUnknown();
if (!['both', 'sqlite', 'postgres'].includes(STORES)) throw new Error(`--store: both, sqlite or postgres, not "${STORES}"`);

const KINDS = ['lead created', 'offer made', 'lead status changed', 'offer accepted'] as const;
type Kind = typeof KINDS[number];
/** Leads created in one transaction, to see how a transaction's cost grows with its rows. */
const GROWTH = [100, 1000, 4000];
/** Every write falls on this day: today's rollup rows, as a server's writes do. */
const T0 = Date.UTC(2026, 0, 5, 9);
const AGENTS = 10;

/** One store's writes, as plain statements on one connection. */
interface Writer {
  readonly label: string;
  setTriggers(on: boolean): Promise<void>;
  /** Leads (and, with pending offers, one PENDING offer each) for the writes to act on; triggers on. */
  makeLeads(n: number, withPendingOffer: boolean): Promise<{ leadIds: number[]; offerIds: number[] }>;
  createLead(i: number): Promise<void> | void;
  makeOffer(leadId: number, i: number): Promise<void> | void;
  setStatus(leadId: number, statusCodeId: number): Promise<void> | void;
  accept(offerId: number, answerMs: number): Promise<void> | void;
  begin(): Promise<void> | void;
  commit(): Promise<void> | void;
  close(): Promise<void>;
}

class SqliteWriter implements Writer {
  readonly label = 'SQLite';
  private readonly dir = mkdtempSync(join(tmpdir(), 'leadrace-trigger-cost-'));
  private readonly handle = openDatabase(join(this.dir, 'db.sqlite'));
  private readonly sqlite: Database.Database = this.handle.sqlite;
  private readonly triggers: { name: string; sql: string }[];
  private on = true;
  private readonly statements;

  constructor() {
    const { sqlite } = this;
    sqlite.pragma('synchronous = OFF');
    this.triggers = sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%rollups%'").all() as { name: string; sql: string }[];
    sqlite.prepare("INSERT INTO lead_sources (name, public_key) VALUES ('Source', 'key')").run();
    const user = sqlite.prepare("INSERT INTO users (name, email, role, handle) VALUES (?, ?, 'AGENT', ?)");
    for (let i = 1; i <= AGENTS; i++) user.run(`Agent ${i}`, `a${i}@bench.example`, `a${i}`);
    this.statements = {
      lead: sqlite.prepare("INSERT INTO leads (source_id, kind, state, first_name, status_code_id, created_at) VALUES (1, 'GENERAL', 'ROUTING', 'Lead', 1, ?)"),
      offer: sqlite.prepare("INSERT INTO offers (lead_id, agent_id, round, state, offered_at, expires_at) VALUES (?, ?, 1, 'PENDING', ?, ?)"),
      status: sqlite.prepare('UPDATE leads SET status_code_id = ? WHERE id = ?'),
      accept: sqlite.prepare("UPDATE offers SET state = 'ACCEPTED', responded_at = offered_at + ? WHERE id = ?"),
    };
  }

  async setTriggers(on: boolean): Promise<void> {
    if (on === this.on) return;
    for (const t of this.triggers) this.sqlite.exec(on ? t.sql : `DROP TRIGGER "${t.name}"`);
    this.on = on;
  }

  async makeLeads(n: number, withPendingOffer: boolean) {
    const leadIds: number[] = [];
    const offerIds: number[] = [];
    this.sqlite.transaction(() => {
      for (let i = 0; i < n; i++) {
        const leadId = Number(this.statements.lead.run(T0 + i).lastInsertRowid);
        leadIds.push(leadId);
        if (withPendingOffer) offerIds.push(Number(this.statements.offer.run(leadId, 1 + (i % AGENTS), T0 + i, T0 + i + 900_000).lastInsertRowid));
      }
    })();
    return { leadIds, offerIds };
  }

  createLead(i: number): void { this.statements.lead.run(T0 + i); }
  makeOffer(leadId: number, i: number): void { this.statements.offer.run(leadId, 1 + (i % AGENTS), T0 + i, T0 + i + 900_000); }
  setStatus(leadId: number, statusCodeId: number): void { this.statements.status.run(statusCodeId, leadId); }
  accept(offerId: number, answerMs: number): void { this.statements.accept.run(answerMs, offerId); }
  begin(): void { this.sqlite.exec('BEGIN'); }
  commit(): void { this.sqlite.exec('COMMIT'); }

  async close(): Promise<void> {
    this.handle.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class PostgresWriter implements Writer {
  readonly label = 'PostgreSQL';
  private on = true;

  private constructor(private readonly client: pg.Client, private readonly triggers: { table: string; name: string }[],
    private readonly drop: () => Promise<void>) {}

  static async open(adminUrl: string): Promise<PostgresWriter> {
    const name = `leadrace_bench_triggers_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const drop = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
    try {
      await migratePostgres(url.toString());
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      await client.query('SET synchronous_commit = off');
      await client.query("INSERT INTO status_codes (name, position, is_default) VALUES ('New', 1, true), ('Showing Houses', 2, false), ('Closed', 3, false)");
      await client.query("INSERT INTO lead_sources (name, public_key) VALUES ('Source', 'key')");
      await client.query(`INSERT INTO users (name, email, role, handle) SELECT 'Agent ' || i, 'a' || i || '@bench.example', 'AGENT', 'a' || i
        FROM generate_series(1, ${AGENTS}) AS i`);
      const { rows } = await client.query<{ table: string; name: string }>(`SELECT c.relname AS table, t.tgname AS name FROM pg_trigger AS t
        JOIN pg_class AS c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgname LIKE '%rollups%'`);
      return new PostgresWriter(client, rows, async () => {
        await client.end();
        await drop();
      });
    } catch (err) {
      await drop();
      throw err;
    }
  }

  async setTriggers(on: boolean): Promise<void> {
    if (on === this.on) return;
    for (const t of this.triggers) await this.client.query(`ALTER TABLE ${t.table} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${t.name}`);
    this.on = on;
  }

  async makeLeads(n: number, withPendingOffer: boolean) {
    const { rows } = await this.client.query<{ id: number }>(`INSERT INTO leads (source_id, kind, state, first_name, status_code_id, created_at)
      SELECT 1, 'GENERAL', 'ROUTING', 'Lead', 1, $1::timestamptz + i * interval '1 millisecond' FROM generate_series(1, ${n}) AS i RETURNING id`,
    [new Date(T0)]);
    const leadIds = rows.map((r) => r.id);
    if (!withPendingOffer) return { leadIds, offerIds: [] };
    const offers = await this.client.query<{ id: number }>(`INSERT INTO offers (lead_id, agent_id, round, state, offered_at, expires_at)
      SELECT id, 1 + id % ${AGENTS}, 1, 'PENDING', created_at, created_at + interval '15 minutes' FROM leads WHERE id = ANY($1) RETURNING id`,
    [leadIds]);
    return { leadIds, offerIds: offers.rows.map((r) => r.id) };
  }

  async createLead(i: number): Promise<void> {
    await this.client.query({ name: 'lead', text: `INSERT INTO leads (source_id, kind, state, first_name, status_code_id, created_at)
      VALUES (1, 'GENERAL', 'ROUTING', 'Lead', 1, $1)`, values: [new Date(T0 + i)] });
  }

  async makeOffer(leadId: number, i: number): Promise<void> {
    await this.client.query({ name: 'offer', text: `INSERT INTO offers (lead_id, agent_id, round, state, offered_at, expires_at)
      VALUES ($1, $2, 1, 'PENDING', $3, $4)`, values: [leadId, 1 + (i % AGENTS), new Date(T0 + i), new Date(T0 + i + 900_000)] });
  }

  async setStatus(leadId: number, statusCodeId: number): Promise<void> {
    await this.client.query({ name: 'status', text: 'UPDATE leads SET status_code_id = $1 WHERE id = $2', values: [statusCodeId, leadId] });
  }

  async accept(offerId: number, answerMs: number): Promise<void> {
    await this.client.query({ name: 'accept', text: `UPDATE offers SET state = 'ACCEPTED', responded_at = offered_at + $1 * interval '1 millisecond'
      WHERE id = $2`, values: [answerMs, offerId] });
  }

  async begin(): Promise<void> { await this.client.query('BEGIN'); }
  async commit(): Promise<void> { await this.client.query('COMMIT'); }
  close(): Promise<void> { return this.drop(); }
}

/** An answer 5 s to 10 min after the offer, spread evenly (bench:leads' accepted offers). */
const answerMs = (i: number) => 5000 + ((i * 7919) % 600_000);

/** `n` writes of `kind` (each its own transaction unless `oneTransaction`), in µs per write; what they act on made first. */
async function timeWrites(w: Writer, kind: Kind, n: number, oneTransaction: boolean): Promise<number> {
  const needs = kind === 'lead created' ? null : await w.makeLeads(kind === 'offer made' ? Math.min(n, 100) : n, kind === 'offer accepted');
  const leadIds = needs?.leadIds ?? [];
  const offerIds = needs?.offerIds ?? [];
  const t0 = performance.now();
  if (oneTransaction) await w.begin();
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'lead created': await w.createLead(i); break;
      case 'offer made': await w.makeOffer(leadIds[i % leadIds.length] ?? 0, i); break;
      // Each lead once, from the default code to another: every write moves the lead to another rollup row.
      case 'lead status changed': await w.setStatus(leadIds[i] ?? 0, 2 + (i % 2)); break;
      case 'offer accepted': await w.accept(offerIds[i] ?? 0, answerMs(i)); break;
    }
  }
  if (oneTransaction) await w.commit();
  return ((performance.now() - t0) * 1000) / n;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] ?? 0 : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const load = () => Number(loadavg()[0]?.toFixed(2));

interface Cost { on: number; off: number; added: number; load: number }

/** Median µs per write with the triggers on and off, over ROUNDS rounds in alternating order. */
async function cost(w: Writer, kind: Kind, n: number, oneTransaction: boolean): Promise<Cost> {
  const on: number[] = [];
  const off: number[] = [];
  // A warm-up pass of each, untimed: prepared statements, caches.
  for (const state of [true, false]) {
    await w.setTriggers(state);
    await timeWrites(w, kind, Math.min(n, 100), oneTransaction);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const state of round % 2 === 0 ? [true, false] : [false, true]) {
      await w.setTriggers(state);
      (state ? on : off).push(await timeWrites(w, kind, n, oneTransaction));
    }
  }
  await w.setTriggers(true);
  const r = (x: number) => Number(x.toFixed(1));
  return { on: r(median(on)), off: r(median(off)), added: r(median(on) - median(off)), load: load() };
}

const writers: Writer[] = [];
try {
  if (STORES !== 'postgres') writers.push(new SqliteWriter());
  if (STORES !== 'sqlite') writers.push(await PostgresWriter.open(PG_URL));
  const results: { store: string; own: Record<string, Cost>; batched: Record<string, Cost>; growth: Record<string, Cost> }[] = [];
  for (const w of writers) {
    const own: Record<string, Cost> = {};
    const batched: Record<string, Cost> = {};
    const growth: Record<string, Cost> = {};
    for (const kind of KINDS) own[kind] = await cost(w, kind, WRITES, false);
    for (const kind of KINDS) batched[kind] = await cost(w, kind, BATCH, true);
    for (const n of GROWTH) growth[n] = await cost(w, 'lead created', n, true);
    results.push({ store: w.label, own, batched, growth });
  }

  const pad = (s: string, n: number) => s.padEnd(n);
  const fig = (c: Cost | undefined) => (c ? `${c.added >= 0 ? '+' : ''}${c.added} (${c.on} vs ${c.off}; load ${c.load.toFixed(1)})` : '');
  console.log(`\nrollup triggers: µs added per write (with vs without, median of ${ROUNDS} rounds)`);
  for (const [title, key] of [
    [`each write its own transaction (${WRITES.toLocaleString('en')} writes a round)`, 'own'],
    [`${BATCH.toLocaleString('en')} writes in one transaction, commit included`, 'batched'],
  ] as const) {
    console.log(`\n${title}`);
    console.log(`${pad('', 24)}${results.map((r) => pad(r.store, 46)).join('')}`);
    for (const kind of KINDS) console.log(`${pad(kind, 24)}${results.map((r) => pad(fig(r[key][kind]), 46)).join('')}`);
  }
  console.log('\nleads created in one transaction, commit included: µs added per lead');
  for (const n of GROWTH) console.log(`${pad(`${n.toLocaleString('en')} leads`, 24)}${results.map((r) => pad(fig(r.growth[n]), 46)).join('')}`);
  console.log(JSON.stringify({ bench: 'rollup-trigger-cost', writes: WRITES, batch: BATCH, rounds: ROUNDS, results }));
} finally {
  for (const w of writers) await w.close();
}

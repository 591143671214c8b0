// The dashboard's rollups on PostgreSQL (drizzle/postgres/0003_lead_stats_rollups.sql) against SQLite's
// (drizzle/0005): the same random writes on both databases must leave all five rollup tables the same, row for
// row. Then what only PostgreSQL has: concurrent writers, who must neither deadlock nor queue behind each other's
// open transactions, and the lock that lets a past period be summed while they write.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeadStatsService } from '../../src/services/lead-stats-service.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/sqlite/database.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { openPostgresStore } from '../../src/store/postgres/pg-store.js';
import {
  addAgentsAndSources, changeRandomly, DAY, random, seed, SPAN_DAYS, T0, write, type Random, type RollupOp, type StatsFixture,
} from '../support/lead-stats-fixture.js';
import {
  copyReferencedRows, postgresReferenceLeadStats, postgresRollups, replayTransaction, ROLLUP_TABLES, sqliteRollups, type RollupTable,
} from '../support/lead-stats-postgres.js';
import { referenceLeadStats } from '../support/lead-stats-reference.js';
import { migrationsBefore, POSTGRES_MIGRATIONS } from '../support/migrations.js';
import { statementsOf } from '../support/pg-statements.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();

const AGENTS = 10;
const SOURCES = 4;
const TABLES = Object.keys(ROLLUP_TABLES) as RollupTable[];

/** Everything a test opened, closed after it. */
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanup.push(() => client.end());
  return client;
}

async function migratedPostgres(): Promise<string> {
  const db = await createTempDatabase();
  cleanup.push(() => db.drop());
  await migratePostgres(db.url);
  return db.url;
}

/** A SQLite database recording its writes, and a PostgreSQL one with the same agents, sources and codes. */
async function bothDatabases(): Promise<{ f: StatsFixture & { log: RollupOp[] }; client: pg.Client }> {
  const dir = mkdtempSync(join(tmpdir(), 'leadrace-pg-rollups-'));
  const h: DatabaseHandle = openDatabase(join(dir, 'db.sqlite'));
  cleanup.push(() => { h.close(); rmSync(dir, { recursive: true, force: true }); });
  const f = { ...addAgentsAndSources(h.sqlite, AGENTS, SOURCES), log: [] as RollupOp[] };
  const client = await connect(await migratedPostgres());
  await copyReferencedRows(h.sqlite, client);
  return { f, client };
}

/** Runs `body`'s writes in one SQLite transaction, then the same writes in one PostgreSQL transaction. */
async function inBoth(f: StatsFixture & { log: RollupOp[] }, client: pg.Client, body: () => void): Promise<void> {
  f.sqlite.transaction(body)();
  await replayTransaction(client, f.log.splice(0));
}

async function expectSameRollups(f: StatsFixture, client: pg.Client, when: string): Promise<void> {
  for (const table of TABLES) expect(await postgresRollups(client, table), `${table} ${when}`).toEqual(sqliteRollups(f.sqlite, table));
}

/** Some of the 8- and 64-day periods the data falls in (and will be moved into), listed in rollup_periods. */
function listSomePeriods(f: StatsFixture, r: Random): void {
  const firstDay = T0 / DAY - 120;
  const lastDay = T0 / DAY + SPAN_DAYS + 120;
  for (const span of [8, 64]) {
    for (let p = Math.floor(firstDay / span); p <= Math.floor(lastDay / span); p++) {
      if (r.next() < 0.3) write(f, { kind: 'listPeriod', spanDays: span, period: p });
    }
  }
}

const scalar = async (client: pg.ClientBase, sql: string, params: unknown[] = []): Promise<number> =>
  Number(Object.values((await client.query<Record<string, unknown>>(sql, params)).rows[0] ?? {})[0]);

describe.skipIf(!available)('rollups on PostgreSQL', () => {
  it('equal SQLite\'s row for row after the same random writes, checked after every transaction (three seeds)', async () => {
    for (const seedValue of [1, 2, 3]) {
      const { f, client } = await bothDatabases();
      const r = random(seedValue);
      await inBoth(f, client, () => listSomePeriods(f, r));
      for (let batch = 0; batch < 4; batch++) {
        await inBoth(f, client, () => seed(f, r, 60));
        await expectSameRollups(f, client, `seed ${seedValue}, after seeding batch ${batch}`);
      }
      for (let round = 0; round < 6; round++) {
        await inBoth(f, client, () => {
          changeRandomly(f, r, 60);
          // Many rows in one statement, some of them moving within one rollup row.
          const from = T0 + r.int(SPAN_DAYS) * DAY;
          write(f, { kind: 'setLeadsCreatedIn', from, to: from + r.int(40) * DAY, state: 'UNASSIGNED', statusCodeId: r.pick(f.codes) });
        });
        if (round === 2) await inBoth(f, client, () => listSomePeriods(f, r));
        await expectSameRollups(f, client, `seed ${seedValue}, after change round ${round}`);
      }

      // The cases that matter were there: rows fallen back to 0, coarse periods, buckets from 256 s on, and
      // nothing staged is left behind once the transactions committed.
      expect(await scalar(client, 'SELECT count(*) FROM lead_rollups WHERE n = 0')).toBeGreaterThan(0);
      expect(await scalar(client, 'SELECT count(*) FROM offer_rollups WHERE n = 0')).toBeGreaterThan(0);
      expect(await scalar(client, 'SELECT count(DISTINCT span_days) FROM offer_rollups')).toBe(4);
      expect(await scalar(client, 'SELECT count(*) FROM response_time_rollups WHERE bucket >= 256 AND n > 0')).toBeGreaterThan(0);
      expect(await scalar(client, 'SELECT (SELECT count(*) FROM lead_rollup_changes) + (SELECT count(*) FROM offer_rollup_changes)')).toBe(0);
    }
    // Three databases of random writes, each checked after every transaction: 8 s on a quiet machine,
    // past 20 s while other test runs share the two cores.
  }, 90_000);

  it('give the reference figures SQLite\'s rows give: counted from PostgreSQL\'s raw rows in chunks, over any range', async () => {
    // scripts/bench-lead-list.ts checks PostgreSQL's dashboard against these at a million leads.
    const { f, client } = await bothDatabases();
    const r = random(4);
    await inBoth(f, client, () => seed(f, r, 150));
    await inBoth(f, client, () => changeRandomly(f, r, 60));
    const allTime = { from: null, to: null };
    const before = { from: new Date(T0 - 10 * DAY), to: new Date(T0 - 9 * DAY) };
    const ranges = [allTime, before, { from: new Date(T0 + 40 * DAY + 3_600_123), to: null },
      { from: null, to: new Date(T0 + 300 * DAY - 1) }, { from: new Date(T0 + 100 * DAY + 17), to: new Date(T0 + 230 * DAY + 7_200_001) }];
    for (const range of ranges) {
      expect(await postgresReferenceLeadStats(client, range, 7), JSON.stringify(range)).toEqual(referenceLeadStats(f.sqlite, range));
    }
    // The data had what the figures count (direct offers among them), and one range had nothing in it.
    const all = referenceLeadStats(f.sqlite, allTime);
    expect(Math.min(all.offers.accepted, all.offers.declined, all.offers.pending, all.offers.expired)).toBeGreaterThan(0);
    expect(await scalar(client, 'SELECT count(*) FROM offers WHERE direct')).toBeGreaterThan(0);
    expect(referenceLeadStats(f.sqlite, before).total).toBe(0);
  });

  it('put edge response times in the same buckets as SQLite: whole powers of two seconds and a millisecond either side, negative, fractions', async () => {
    const { f, client } = await bothDatabases();
    const r = random(9);
    const durations = [-86_400_000, -5000, -1, 0, 1, 999, 1000, 1500, 1999, 255_999, 256_000, 256_001, 300_500, 362_038, 724_077];
    for (let n = 8; n <= 33; n++) durations.push(1000 * 2 ** n - 1, 1000 * 2 ** n, 1000 * 2 ** n + 1);
    for (let i = 0; i < 400; i++) durations.push(r.int(2 ** 31) * (r.int(3) + 1));
    await inBoth(f, client, () => {
      durations.forEach((d, i) => {
        const offeredAt = T0 + (i % 50) * DAY + r.int(DAY);
        const leadId = write(f, { kind: 'insertLead', id: 0, sourceId: 1, state: 'ASSIGNED', statusCodeId: null, createdAt: offeredAt });
        write(f, {
          kind: 'insertOffer', id: 0, leadId, agentId: r.pick(f.agentIds), direct: false, state: 'ACCEPTED',
          offeredAt, expiresAt: offeredAt + 900_000, respondedAt: offeredAt + d,
        });
      });
    });
    await expectSameRollups(f, client, 'after the edge offers');
    // Every power of two from 256 s on starts a bucket (128 per doubling): 2^n s is bucket 128 n - 768.
    for (let n = 8; n <= 33; n++) {
      expect(await scalar(client, 'SELECT rollup_response_bucket($1)', [1000 * 2 ** n])).toBe(128 * n - 768);
      expect(await scalar(client, 'SELECT rollup_response_bucket($1)', [1000 * 2 ** n - 1])).toBe(128 * n - 769);
    }
  });

  /** Two leads of different sources, created the same day: they add to two different rollup rows. */
  const insertLead = 'INSERT INTO leads (source_id, kind, state, first_name, created_at) VALUES ($1, \'GENERAL\', \'ROUTING\', \'Lead\', $2)';
  const today = new Date(T0 + 3_600_000);

  async function twoSourcesDatabase(): Promise<string> {
    const url = await migratedPostgres();
    const c = await connect(url);
    await c.query("INSERT INTO lead_sources (id, name, public_key) VALUES (1, 'A', 'ka'), (2, 'B', 'kb')");
    return url;
  }

  const dayCounts = async (client: pg.ClientBase) =>
    (await client.query<{ source_id: number; n: number }>('SELECT source_id, n FROM lead_rollups WHERE span_days = 1 ORDER BY source_id')).rows;

  it('two transactions adding leads of two sources in opposite orders both commit (applied per statement, they deadlock)', async () => {
    const url = await twoSourcesDatabase();
    /** A adds a lead of source 1 then 2, B of 2 then 1; the second statements run together, then both commit. */
    async function crossed(perStatement: boolean): Promise<PromiseSettledResult<unknown>[]> {
      const [a, b] = [await connect(url), await connect(url)];
      for (const c of [a, b]) {
        await c.query('BEGIN');
        // Found in 50 ms instead of the default second; the outcome is the same.
        await c.query("SET deadlock_timeout = '50ms'");
        if (perStatement) await c.query('SET CONSTRAINTS ALL IMMEDIATE');
      }
      await a.query(insertLead, [1, today]);
      await b.query(insertLead, [2, today]);
      const settled = await Promise.allSettled([
        a.query(insertLead, [2, today]).then(() => a.query('COMMIT')),
        b.query(insertLead, [1, today]).then(() => b.query('COMMIT')),
      ]);
      for (const c of [a, b]) await c.query('ROLLBACK').catch(() => undefined);
      return settled;
    }

    const applied = await crossed(true);
    expect(applied.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((applied.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/deadlock detected/);

    const c = await connect(url);
    await c.query('DELETE FROM leads');
    const atCommit = await crossed(false);
    expect(atCommit.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
    // The deadlocked run's survivor added a lead to each source and the delete took them away: 2 each now.
    expect(await dayCounts(c)).toEqual([{ source_id: 1, n: 2 }, { source_id: 2, n: 2 }]);
  });

  it('the apply runs once per transaction that staged rows (0014): savepoints and an early apply leave the same counts', async () => {
    const url = await twoSourcesDatabase();
    const c = await connect(url);
    const staged = async () => scalar(c, 'SELECT (SELECT count(*) FROM lead_rollup_changes) + (SELECT count(*) FROM offer_rollup_changes)');
    await c.query('BEGIN');
    await c.query(insertLead, [1, today]);
    // Staged and rolled back with its savepoint, mark and all: the lead before it still counts.
    await c.query('SAVEPOINT a');
    await c.query(insertLead, [1, today]);
    await c.query('ROLLBACK TO SAVEPOINT a');
    // Applied early: what was staged so far is summed now and its staged rows are gone.
    await c.query('SET CONSTRAINTS ALL IMMEDIATE');
    expect(await staged()).toBe(0);
    expect(await dayCounts(c)).toEqual([{ source_id: 1, n: 1 }]);
    // Staged after that apply (deferred again): marked again, and applied at the commit.
    await c.query('SET CONSTRAINTS ALL DEFERRED');
    await c.query(insertLead, [2, today]);
    await c.query('SAVEPOINT b');
    await c.query(insertLead, [2, today]);
    await c.query('RELEASE SAVEPOINT b');
    expect(await staged()).toBe(2);
    await c.query('COMMIT');
    expect(await dayCounts(c)).toEqual([{ source_id: 1, n: 1 }, { source_id: 2, n: 2 }]);
    expect(await staged()).toBe(0);
    // A transaction that only rolled its staging back commits nothing to the rollups and leaves nothing staged.
    await c.query('BEGIN');
    await c.query('SAVEPOINT c');
    await c.query(insertLead, [2, today]);
    await c.query('ROLLBACK TO SAVEPOINT c');
    await c.query('COMMIT');
    expect(await dayCounts(c)).toEqual([{ source_id: 1, n: 1 }, { source_id: 2, n: 2 }]);
    expect(await staged()).toBe(0);

    // Twenty rows, twenty calls of the apply: one of them reads the staging table (its probe and its
    // DELETE), not all twenty. Counted as the growth of the backend's scan count inside this transaction
    // (pg_stat_xact_* also holds earlier transactions' counts not yet reported).
    const scanCount = () => scalar(c, `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables WHERE relname = 'lead_rollup_changes'`);
    await c.query('BEGIN');
    const before = await scanCount();
    for (let i = 0; i < 20; i++) await c.query(insertLead, [1, today]);
    await c.query('SET CONSTRAINTS ALL IMMEDIATE');
    const scans = await scanCount() - before;
    await c.query('COMMIT');
    expect(scans).toBeGreaterThan(0);
    expect(scans).toBeLessThanOrEqual(3);
    expect(await dayCounts(c)).toEqual([{ source_id: 1, n: 21 }, { source_id: 2, n: 2 }]);
  });

  it('a lead commits without waiting for another transaction that added an uncommitted lead to the same rollup row', async () => {
    const url = await twoSourcesDatabase();
    async function whileAnotherIsOpen(perStatement: boolean): Promise<void> {
      const [open, other] = [await connect(url), await connect(url)];
      await open.query('BEGIN');
      if (perStatement) await open.query('SET CONSTRAINTS ALL IMMEDIATE');
      await open.query(insertLead, [1, today]);
      try {
        // Waiting for the open transaction would be a lock wait: this turns one into an error.
        await other.query("SET lock_timeout = '300ms'");
        await other.query(insertLead, [1, today]);
      } finally {
        await open.query('COMMIT');
      }
    }
    await expect(whileAnotherIsOpen(true)).rejects.toThrow(/lock timeout/);
    await whileAnotherIsOpen(false);
    expect(await dayCounts(await connect(url))).toEqual([{ source_id: 1, n: 3 }]);
  });

  it('summing a past period under SHARE ROW EXCLUSIVE waits for a commit that is applying changes, and includes them', async () => {
    const url = await twoSourcesDatabase();
    const [writer, summer, checker] = [await connect(url), await connect(url), await connect(url)];
    const day = Math.floor(T0 / DAY) + 3;
    const period = Math.floor(day / 8);
    await writer.query('BEGIN');
    await writer.query(insertLead, [1, new Date(day * DAY + 1000)]);
    // The writer's changes applied, its commit not yet done: where a commit holds rollup_periods.
    await writer.query('SET CONSTRAINTS ALL IMMEDIATE');

    await checker.query('BEGIN');
    await checker.query("SET lock_timeout = '300ms'");
    await expect(checker.query('LOCK TABLE rollup_periods IN SHARE ROW EXCLUSIVE MODE')).rejects.toThrow(/lock timeout/);
    await checker.query('ROLLBACK');

    // The summing a PostgreSQL lead-stats store must do (as SQLite's sums a past period), under the lock.
    const summed = (async () => {
      await summer.query('BEGIN');
      await summer.query('LOCK TABLE rollup_periods IN SHARE ROW EXCLUSIVE MODE');
      await summer.query('INSERT INTO rollup_periods (span_days, period) VALUES (8, $1)', [period]);
      await summer.query(`INSERT INTO lead_rollups (span_days, period, state, source_id, status_code_id, n)
        SELECT 8, $1, state, source_id, status_code_id, sum(n) FROM lead_rollups
        WHERE span_days = 1 AND period BETWEEN $1 * 8 AND $1 * 8 + 7 GROUP BY state, source_id, status_code_id HAVING sum(n) <> 0`, [period]);
      await summer.query('COMMIT');
    })();
    await writer.query('COMMIT');
    await summed;
    // A lead after the period was listed reaches its row through the triggers.
    await writer.query(insertLead, [1, new Date(day * DAY + 2000)]);
    const rows = (await checker.query<{ span_days: number; n: number }>(
      'SELECT span_days, n FROM lead_rollups WHERE span_days IN (1, 8) ORDER BY span_days')).rows;
    expect(rows).toEqual([{ span_days: 1, n: 2 }, { span_days: 8, n: 2 }]);
  });

  it('leadStats reads the rollups period by period through their primary keys, never scanning a whole rollup table', async () => {
    // At a million leads a scan of offer_rollups or response_time_rollups took 0.1-0.6 s a statement (bench:leads).
    const db = await createTempDatabase();
    cleanup.push(() => db.drop());
    const store = await openPostgresStore(db.url, { poolSize: 2 });
    cleanup.push(() => store.close());
    // Rollups as a year of leads leaves them: a row per day and key (and per 512 days), enough rows for the planner to
    // weigh a scan against the index.
    const c = await connect(db.url);
    const firstDay = Math.floor(T0 / DAY);
    const days = `generate_series(${firstDay}, ${firstDay + 299}) AS d`;
    await c.query(`INSERT INTO lead_rollups (span_days, period, state, source_id, status_code_id, n)
      SELECT 1, d, st, s, code, 1 FROM ${days}, unnest(ARRAY['ROUTING', 'ASSIGNED', 'UNASSIGNED']) AS st, generate_series(1, 8) AS s,
        generate_series(1, 3) AS code`);
    await c.query(`INSERT INTO offer_rollups (span_days, period, agent_id, state, band, n)
      SELECT 1, d, a, st, CASE WHEN st IN ('ACCEPTED', 'DECLINED') THEN 9 ELSE -1 END, 1
      FROM ${days}, generate_series(1, 60) AS a, unnest(ARRAY['PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'TAKEN']) AS st`);
    await c.query(`INSERT INTO accept_time_rollups (span_days, period, bucket, n) SELECT 1, d, b, 1 FROM ${days}, generate_series(288, 319) AS b`);
    await c.query(`INSERT INTO response_time_rollups (span_days, period, agent_id, bucket, n)
      SELECT 1, d, a, b, 1 FROM ${days}, generate_series(1, 60) AS a, generate_series(288, 307) AS b`);
    for (const [table, keys] of Object.entries({ lead_rollups: 'state, source_id, status_code_id', offer_rollups: 'agent_id, state, band',
      accept_time_rollups: 'bucket', response_time_rollups: 'agent_id, bucket' })) {
      await c.query(`INSERT INTO ${table} (span_days, period, ${keys}, n) SELECT 512, period / 512, ${keys}, sum(n) FROM ${table}
        WHERE span_days = 1 GROUP BY 2, ${keys}`);
      await c.query(`ANALYZE ${table}`);
    }

    const service = createLeadStatsService({ stats: store.leadStats });
    const lastDay = firstDay + 299;
    const ranges = [{ from: null, to: null }, { from: new Date((lastDay - 30) * DAY + 9 * 3_600_000), to: null },
      { from: new Date((firstDay + 17) * DAY), to: new Date((firstDay + 250) * DAY + 1000) }];
    // Past 8- and 64-day periods are summed on a range's first read: the reads after it are what every read is.
    for (const range of ranges) await service.leadStats(range);
    const statements = await statementsOf(() => Promise.all(ranges.map((range) => service.leadStats(range))));
    const reads = statements.filter((s) => /_rollups\b/.test(s.text));
    expect(reads.length).toBeGreaterThanOrEqual(ranges.length * 4);
    for (const s of reads) {
      const plan = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${s.text}`, s.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan, s.text).not.toMatch(/Seq Scan on \w+_rollups/);
      expect(plan, s.text).toMatch(/Index (Only )?Scan using \w+_rollups_\w+_pk/);
    }
  });

  it('the migration has no backfill, and refuses a database that already holds leads instead of counting them wrong', async () => {
    const db = await createTempDatabase();
    cleanup.push(() => db.drop());
    const dir = mkdtempSync(join(tmpdir(), 'leadrace-pg-migrations-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    await migratePostgres(db.url, { migrationsFolder: migrationsBefore(dir, '0003_lead_stats_rollups', POSTGRES_MIGRATIONS) });
    const c = await connect(db.url);
    // Migrated up to the rollups, the state every PostgreSQL database is in when they are added: no leads yet.
    expect(await scalar(c, 'SELECT (SELECT count(*) FROM leads) + (SELECT count(*) FROM offers)')).toBe(0);
    await c.query("INSERT INTO lead_sources (id, name, public_key) VALUES (1, 'A', 'ka')");
    await c.query(insertLead, [1, today]);
    // drizzle's error quotes the failed statement; its cause is what PostgreSQL raised.
    await expect(migratePostgres(db.url)).rejects.toMatchObject({ cause: { message: expect.stringMatching(/already hold rows.*no backfill/) } });
    expect(await scalar(c, "SELECT count(*) FROM pg_proc WHERE proname = 'rollups_apply_changes'")).toBe(0);
  });
});

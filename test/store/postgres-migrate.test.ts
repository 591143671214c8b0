// PostgreSQL migrations: applied at start, once, even when several instances start at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();

describe.skipIf(!available)('PostgreSQL migrations', () => {
  let db: { url: string; drop(): Promise<void> };
  beforeAll(async () => { db = await createTempDatabase(); });
  afterAll(async () => { await db?.drop(); });

  it('five instances migrating one fresh database at once apply each migration exactly once', async () => {
    const applied = await Promise.all(Array.from({ length: 5 }, () => migratePostgres(db.url)));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const journal = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      const n = journal.rows[0]?.n ?? 0;
      expect(n).toBeGreaterThan(0);
      // One instance applied them all; the others waited on the lock and found nothing to do.
      expect([...applied].sort((a, b) => b - a)).toEqual([n, 0, 0, 0, 0]);
      const tables = await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`);
      expect(tables.rows.map((r) => r.t)).toEqual(expect.arrayContaining(['leads', 'offers', 'lead_events', 'notifications']));
      // A start on an up-to-date database applies nothing.
      expect(await migratePostgres(db.url)).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('the database refuses a second ACCEPTED offer for one lead (the race is backed by an index)', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO users (name, email, role, handle) VALUES ('A', 'a@x', 'AGENT', 'a'), ('B', 'b@x', 'AGENT', 'b')`);
      await client.query(`INSERT INTO lead_sources (name, public_key) VALUES ('S', 'k')`);
      const lead = await client.query<{ id: number }>(`INSERT INTO leads (source_id, kind, state, first_name) VALUES (1, 'GENERAL', 'ROUTING', 'Ana') RETURNING id`);
      const leadId = lead.rows[0]?.id;
      await client.query(`INSERT INTO offers (lead_id, agent_id, round, state, offered_at, expires_at) VALUES ($1, 1, 1, 'ACCEPTED', now(), now()), ($1, 2, 1, 'PENDING', now(), now())`, [leadId]);
      await expect(client.query(`UPDATE offers SET state = 'ACCEPTED' WHERE lead_id = $1 AND agent_id = 2`, [leadId]))
        .rejects.toThrow(/offers_one_accepted_per_lead/);
    } finally {
      await client.end();
    }
  });
});

// Migration 0005 on a database that already holds leads and offers: its backfill must make the
// rollups of the rows written before the rollup tables existed, and its triggers follow from then on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeadStatsService } from '../../src/services/lead-stats-service.js';
import type { StatsRange } from '../../src/store/lead-stats-rules.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { addAgentsAndSources, DAY, insertLead, insertOffer, random, seed, T0 } from '../support/lead-stats-fixture.js';
import { referenceLeadStats, statsDifferences } from '../support/lead-stats-reference.js';
import { migrationsBefore } from '../support/migrations.js';

const ROLLUPS_MIGRATION = '0005_lead_stats_rollups';

let dir = '';
afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('migration 0005 (leadStats rollups)', () => {
  it('fills the rollups from the leads and offers already there, and its triggers keep them from then on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'leadrace-migrate-'));
    const file = join(dir, 'old.db');

    // A database as it was before the rollups, with a year and a half of leads and offers.
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.pragma('foreign_keys = ON');
    migrate(drizzle(old), { migrationsFolder: migrationsBefore(dir, ROLLUPS_MIGRATION) });
    expect(old.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'lead_rollups'").pluck().get()).toBe(0);
    const insertCode = old.prepare('INSERT INTO status_codes (name, position, is_default) VALUES (?, ?, ?)');
    insertCode.run('New', 1, 1);
    insertCode.run('Closed', 2, 0);
    const r = random(11);
    seed(addAgentsAndSources(old, 8, 3), r, 1200);
    old.close();

    // Opened by the current code: migrated to the rollups.
    const h = openSqliteStore(file);
    try {
      expect(h.sqlite.prepare('SELECT count(*) FROM lead_rollups').pluck().get()).toBeGreaterThan(0);
      const service = createLeadStatsService({ stats: h.leadStats });
      const check = async (range: StatsRange) =>
        expect(statsDifferences(await service.leadStats(range), referenceLeadStats(h.sqlite, range)), JSON.stringify(range)).toEqual([]);
      const ranges: StatsRange[] = [
        { from: null, to: null },
        { from: new Date(T0 + 30 * DAY), to: new Date(T0 + 400 * DAY) },
        { from: new Date(T0 + 100 * DAY + 3_600_000), to: null },
        { from: null, to: new Date(T0 + 250 * DAY - 60_000) },
      ];
      for (const range of ranges) await check(range);

      // New rows after the migration are counted by the triggers.
      const fixture = addAgentsAndSources(h.sqlite, 0, 0);
      const before = (await service.leadStats({ from: null, to: null })).total;
      const at = T0 + 200 * DAY;
      insertOffer(fixture, r, insertLead(fixture, r, at), at, false);
      expect((await service.leadStats({ from: null, to: null })).total).toBe(before + 1);
      for (const range of ranges) await check(range);
    } finally {
      await h.close();
    }
  });
});

// The dashboard's rollups against the raw rows: random leads and offers over a year and a half
// (across 8-, 64- and 512-day periods), random changes to them (answers, moves, deletes, changes to
// old rows after their periods were summed), and random ranges, whole days or not. Counts must be
// exact; percentiles within the histograms' precision, and exact for whole seconds below 256 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeadStatsService } from '../../src/services/lead-stats-service.js';
import { bucketSeconds, planPieces, type StatsRange } from '../../src/store/lead-stats-rules.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { addAgentsAndSources, changeRandomly, DAY, random, seed, SPAN_DAYS, T0, type Random } from '../support/lead-stats-fixture.js';
import { referenceLeadStats, statsDifferences } from '../support/lead-stats-reference.js';

const AGENTS = 12;
const SOURCES = 4;

let handles: { h: SqliteStore; dir: string }[] = [];
afterEach(async () => {
  for (const { h, dir } of handles) {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
  handles = [];
});

function freshDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'leadrace-rollups-'));
  const h = openSqliteStore(join(dir, 'stats.db'));
  handles.push({ h, dir });
  return { ...addAgentsAndSources(h.sqlite, AGENTS, SOURCES), service: createLeadStatsService({ stats: h.leadStats }) };
}
type Fixture = ReturnType<typeof freshDatabase>;

/** Random changes of every kind the triggers must follow (lead-stats-fixture.ts), in one transaction. */
function change(f: Fixture, r: Random, n: number): void {
  f.sqlite.transaction(() => changeRandomly(f, r, n))();
}

/** A bound: none, midnight UTC, or any millisecond, around the data. */
function bound(r: Random): Date | null {
  const kind = r.int(5);
  if (kind === 0) return null;
  const day = T0 + (r.int(SPAN_DAYS + 80) - 40) * DAY;
  return new Date(kind <= 2 ? day : day + r.int(DAY));
}

async function expectSameAsRawRows(f: Fixture, range: StatsRange): Promise<void> {
  const problems = statsDifferences(await f.service.leadStats(range), referenceLeadStats(f.sqlite, range));
  expect(problems, `range ${JSON.stringify(range)}`).toEqual([]);
}

describe('leadStats from the rollups', () => {
  it('equals the raw rows over random ranges, before and after random changes (counts exactly, percentiles within precision)', async () => {
    for (const seedValue of [1, 2]) {
      const f = freshDatabase();
      const r = random(seedValue);
      seed(f, r, 1500);
      for (let round = 0; round < 4; round++) {
        await expectSameAsRawRows(f, { from: null, to: null });
        for (let i = 0; i < 25; i++) await expectSameAsRawRows(f, { from: bound(r), to: bound(r) });
        change(f, r, 150);
      }
    }
  });

  it('gives the exact percentiles when every response time is whole seconds under 256 s', async () => {
    const f = freshDatabase();
    const r = random(7);
    seed(f, r, 800, true);
    for (let i = 0; i < 30; i++) {
      const range = i === 0 ? { from: null, to: null } : { from: bound(r), to: bound(r) };
      expect(await f.service.leadStats(range), `range ${JSON.stringify(range)}`).toEqual(referenceLeadStats(f.sqlite, range));
    }
  });

  it('sums a past 8- or 64-day period once; later changes to its rows reach it through the triggers', async () => {
    const f = freshDatabase();
    const r = random(3);
    seed(f, r, 600);
    const summed = () => f.sqlite.prepare('SELECT count(*) FROM rollup_periods').pluck().get() as number;
    expect(summed()).toBe(0);
    const range = { from: new Date(Date.UTC(2025, 0, 1)), to: new Date(Date.UTC(2025, 6, 1)) };
    await expectSameAsRawRows(f, range);
    const after = summed();
    expect(after).toBeGreaterThan(0);
    await expectSameAsRawRows(f, range);
    expect(summed()).toBe(after);
    // Every lead of the range moves to another state and status code: summed rows must follow.
    f.sqlite.prepare("UPDATE leads SET state = 'UNASSIGNED', status_code_id = ? WHERE created_at >= ? AND created_at < ?")
      .run(f.codes[2], range.from.getTime(), range.to.getTime());
    await expectSameAsRawRows(f, range);
  });

  it('an empty database and an empty or inverted range count nothing', async () => {
    const f = freshDatabase();
    const empty = await f.service.leadStats({ from: null, to: null });
    expect(empty).toEqual(referenceLeadStats(f.sqlite, { from: null, to: null }));
    expect(empty.total).toBe(0);
    seed(f, random(5), 50);
    const at = new Date(T0 + 10 * DAY);
    expect((await f.service.leadStats({ from: at, to: at })).total).toBe(0);
    expect(await f.service.leadStats({ from: new Date(at.getTime() + DAY), to: at })).toEqual(referenceLeadStats(f.sqlite, { from: at, to: at }));
  });
});

describe('planPieces', () => {
  it('covers the days exactly once with aligned periods; 8- and 64-day ones only when past', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 6000 }),
      (from, length, open) => {
        const to = from + length;
        const pieces = planPieces(from, to, open);
        let day = from;
        for (const p of pieces) {
          expect([1, 8, 64, 512]).toContain(p.spanDays);
          expect(p.first * p.spanDays).toBe(day);
          day = (p.last + 1) * p.spanDays;
          if (p.spanDays === 8 || p.spanDays === 64) expect(day).toBeLessThanOrEqual(open);
        }
        expect(day).toBe(Math.max(from, to));
        // Never more than seven periods of a finer span next to a coarser one at either end.
        const count = (span: number) => pieces.filter((p) => p.spanDays === span).reduce((n, p) => n + p.last - p.first + 1, 0);
        if (open >= to) for (const span of [1, 8, 64]) expect(count(span)).toBeLessThanOrEqual(14);
      }));
  });
});

describe('bucketSeconds', () => {
  it('is the whole second below 256 s and rises by under 0.55 % per bucket above', () => {
    for (let b = 0; b < 256; b++) expect(bucketSeconds(b)).toBe(b);
    expect(bucketSeconds(256)).toBe(256);
    expect(bucketSeconds(256 + 128)).toBe(512);
    for (let b = 256; b < 2000; b++) {
      const ratio = bucketSeconds(b + 1) / bucketSeconds(b);
      expect(ratio).toBeGreaterThan(1);
      expect(ratio).toBeLessThan(1.0055);
    }
  });
});

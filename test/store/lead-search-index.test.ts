// The lead list's search index is filled in batches after leads commit (migration 0007): the
// migration keeps what an older database had indexed, the watermark moves with each batch, the
// triggers follow renames and deletes of indexed leads only, and search finds every lead meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/sqlite/database.js';
import { createLeadListStore } from '../../src/store/sqlite/lead-list-store.js';
import { migrationsBefore } from '../support/migrations.js';

let dir = '';
const handles: DatabaseHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function insertLead(sqlite: Database.Database, firstName: string, lastName: string | null = null): number {
  return Number(sqlite.prepare(`INSERT INTO leads (source_id, kind, state, first_name, last_name, created_at)
    VALUES (1, 'GENERAL', 'UNASSIGNED', ?, ?, 0)`).run(firstName, lastName).lastInsertRowid);
}

/** Ids of the leads a search lists, newest first, in pages of `size`. */
function searchIds(list: ReturnType<typeof createLeadListStore>, search: string, size = 100): number[] {
  const ids: number[] = [];
  let before: number | null = null;
  for (;;) {
    const page = list.listLeads({ memberId: null }, { search }, before, size);
    ids.push(...page.map((l) => l.id));
    if (page.length < size) return ids;
    before = page[page.length - 1]?.id ?? null;
  }
}

/** What the FTS index itself holds for a phrase, without the unindexed tail. */
const indexedIds = (sqlite: Database.Database, phrase: string): number[] =>
  sqlite.prepare('SELECT rowid FROM leads_search WHERE leads_search MATCH ? ORDER BY rowid').pluck().all(`"${phrase}"`) as number[];

function openFresh(): DatabaseHandle {
  dir = mkdtempSync(join(tmpdir(), 'leadrace-search-'));
  const h = openDatabase(join(dir, 'db.sqlite'));
  handles.push(h);
  h.sqlite.prepare("INSERT INTO lead_sources (name, public_key) VALUES ('Web', 'k1')").run();
  return h;
}

describe('the batched search index', () => {
  it('migration 0007 keeps every lead an older database had indexed: nothing is left pending', () => {
    dir = mkdtempSync(join(tmpdir(), 'leadrace-search-'));
    const file = join(dir, 'old.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    migrate(drizzle(old), { migrationsFolder: migrationsBefore(dir, '0007_lead_search_batched') });
    old.prepare("INSERT INTO lead_sources (name, public_key) VALUES ('Web', 'k1')").run();
    const ids = ['Ann', 'Bob', 'Cy'].map((n) => insertLead(old, n, 'Quist'));
    old.close();

    const h = openDatabase(file);
    handles.push(h);
    const list = createLeadListStore(h.db);
    expect(list.pendingSearchIndex()).toBe(0);
    expect(list.indexPending(100)).toBe(0);
    expect(indexedIds(h.sqlite, 'quist')).toEqual(ids);
    expect(searchIds(list, 'QUIST')).toEqual([...ids].reverse());
  });

  it('a new lead is found before its batch and after it; a batch takes the oldest first and moves the watermark', () => {
    const h = openFresh();
    const list = createLeadListStore(h.db);
    const ids = ['Ann', 'Bob', 'Cy', 'Dee', 'Eve'].map((n) => insertLead(h.sqlite, n, 'Marsh'));
    expect(list.pendingSearchIndex()).toBe(5);
    expect(indexedIds(h.sqlite, 'marsh')).toEqual([]);
    expect(searchIds(list, 'marsh')).toEqual([...ids].reverse());

    expect(list.indexPending(2)).toBe(2);
    expect(indexedIds(h.sqlite, 'marsh')).toEqual(ids.slice(0, 2));
    expect(list.pendingSearchIndex()).toBe(3);
    // Half indexed: the same answer, in pages that cross from the table's tail to the index.
    for (const size of [1, 2, 3, 100]) expect(searchIds(list, 'marsh', size), `pages of ${size}`).toEqual([...ids].reverse());
    expect(list.countLeads({ memberId: null }, { search: 'marsh' })).toBe(5);

    expect(list.indexPending(100)).toBe(3);
    expect(list.indexPending(100)).toBe(0);
    expect(indexedIds(h.sqlite, 'marsh')).toEqual(ids);
    expect(searchIds(list, 'marsh')).toEqual([...ids].reverse());
    expect(list.countLeads({ memberId: null }, { search: 'marsh' })).toBe(5);
  });

  it('renames and deletes reach the index for indexed leads; an unindexed lead is indexed as it is by then', () => {
    const h = openFresh();
    const list = createLeadListStore(h.db);
    const indexed = insertLead(h.sqlite, 'Ivo', 'Kettle');
    const gone = insertLead(h.sqlite, 'Gus', 'Kettle');
    list.indexPending(100);
    const later = insertLead(h.sqlite, 'Lars', 'Kettle');

    h.sqlite.prepare("UPDATE leads SET last_name = 'Pewter' WHERE id IN (?, ?)").run(indexed, later);
    h.sqlite.prepare('DELETE FROM leads WHERE id = ?').run(gone);
    expect(indexedIds(h.sqlite, 'pewter')).toEqual([indexed]);
    expect(indexedIds(h.sqlite, 'kettle')).toEqual([]);
    expect(searchIds(list, 'pewter')).toEqual([later, indexed]);
    expect(searchIds(list, 'kettle')).toEqual([]);

    expect(list.indexPending(100)).toBe(1);
    expect(indexedIds(h.sqlite, 'pewter')).toEqual([indexed, later]);
    expect(searchIds(list, 'pewter')).toEqual([later, indexed]);
  });
});

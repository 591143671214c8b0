// Phone searches of the lead list when every lead shares the first digits (one area code): the
// index query leaves those trigrams out, so the rows must be checked for the whole number.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/sqlite/database.js';
import { createLeadListStore } from '../../src/store/sqlite/lead-list-store.js';

let dir: string;
let handle: DatabaseHandle;
let store: ReturnType<typeof createLeadListStore>;
const admin = { memberId: null };
/** What each lead is searched in: the name (first and last), email and phone. */
const texts = new Map<number, string[]>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadrace-search-'));
  handle = openDatabase(join(dir, 'db.sqlite'));
  const { sqlite } = handle;
  const source = sqlite.prepare("INSERT INTO lead_sources (name, public_key) VALUES ('Site', 'key') RETURNING id").pluck().get();
  const insert = sqlite.prepare(`INSERT INTO leads (source_id, kind, state, first_name, last_name, email, phone)
    VALUES (?, 'GENERAL', 'UNASSIGNED', ?, ?, ?, ?) RETURNING id`).pluck();
  const add = (first: string, last: string | null, email: string | null, phone: string | null) => {
    const id = insert.get(source, first, last, email, phone) as number;
    texts.set(id, [`${first}${last === null ? '' : ` ${last}`}`, email ?? '', phone ?? '']);
  };
  sqlite.transaction(() => {
    // A thousand leads of one exchange: +1 512 555-0000 to -0999.
    for (let i = 0; i < 1000; i++) add('Lead', `No${i}`, `lead${i}@mail.example`, `+1512555${String(i).padStart(4, '0')}`);
    // Rarer digits of 555-0142 and 555-01.. without the whole number: only the whole number may match.
    add('Decoy', 'Other', 'decoy@mail.example', '+15129550142');
    add('Decoy', 'Abroad', null, '+4420150142');
    // The whole number elsewhere than the phone still matches.
    add('Email', 'Match', 'x5125550142@mail.example', '+4930123456');
    add('Name', '5125550142', null, null);
  })();
  store = createLeadListStore(handle.db);
});
afterAll(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The leads holding the digits in their name, email or phone, newest first: what a search must list. */
function holding(digits: string): number[] {
  return [...texts].filter(([, t]) => t.some((s) => s.includes(digits))).map(([id]) => id).sort((a, b) => b - a);
}

/** Every page of the search, `size` at a time. */
function allPages(search: string, size: number): number[] {
  const ids: number[] = [];
  let before: number | null = null;
  for (;;) {
    const page = store.listLeads(admin, { search }, before, size);
    ids.push(...page.map((l) => l.id));
    if (page.length < size) return ids;
    before = page[page.length - 1]?.id ?? null;
  }
}

describe('phone search over leads sharing an area code', () => {
  it('lists exactly the leads holding the whole number, newest first, page by page, and counts the same', () => {
    const cases: [string, string][] = [
      ['(512) 555-0142', '5125550142'],
      ['512-555-01', '51255501'],
      ['555 0142', '5550142'],
      ['0142', '0142'],
      ['+1 512 555', '1512555'],
      ['9550142', '9550142'],
      ['(512) 555-9999', '5125559999'],
    ];
    // Leads reach the index in batches after they commit (search-indexing.ts): the same answers with
    // none of them indexed (read from the table), half, and all (the index query and its recheck).
    for (const batch of [0, 502, 1_000_000]) {
      store.indexPending(batch);
      for (const [search, digits] of cases) {
        const expected = holding(digits);
        expect(allPages(search, 7), `${search}, ${store.pendingSearchIndex()} unindexed`).toEqual(expected);
        expect(store.countLeads(admin, { search }), search).toBe(expected.length);
      }
    }
    expect(store.pendingSearchIndex()).toBe(0);
    // The cases above include the ones this test is about.
    expect(holding('5125550142')).toHaveLength(3);
    expect(holding('51255501')).toHaveLength(102);
    expect(holding('5125559999')).toHaveLength(0);
  });

  it('keeps the other filters: a search within a state', () => {
    expect(store.listLeads(admin, { search: '(512) 555-0142', state: 'ROUTING' }, null, 10)).toEqual([]);
    expect(store.countLeads(admin, { search: '(512) 555-0142', state: 'UNASSIGNED' })).toBe(3);
  });
});

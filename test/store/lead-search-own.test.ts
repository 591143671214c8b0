// A search within one agent's leads (an agent's list, or an admin's filtered by owner) reads that
// agent's leads and matches their text, instead of walking everyone's matches in the trigram index:
// it finds what the index finds (case folded over all of Unicode), page by page and in its count,
// whether or not the leads are indexed yet, and it does not depend on the shared index at all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeadListFilter, LeadListScope } from '../../src/store/port.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/sqlite/database.js';
import { createLeadListStore } from '../../src/store/sqlite/lead-list-store.js';

let dir: string;
let handle: DatabaseHandle;
let store: ReturnType<typeof createLeadListStore>;
let me: number;
let other: number;
/** Each lead's searchable text (name, email, phone) and who may list it as an agent. */
const leads = new Map<number, { texts: string[]; owner: number | null; users: number[] }>();

const FIRST = ['Zoë', 'ÉMILE', 'dana', 'Björn', 'Ana María', 'Ole'];
const LAST = ['Reyes', 'DUBOIS', 'Øster', null, 'Díaz'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadrace-own-search-'));
  handle = openDatabase(join(dir, 'db.sqlite'));
  const { sqlite } = handle;
  const user = sqlite.prepare("INSERT INTO users (name, email, role, handle) VALUES (?, ?, 'AGENT', ?) RETURNING id").pluck();
  me = user.get('Me', 'me@example.com', 'me') as number;
  other = user.get('Other', 'other@example.com', 'other') as number;
  const source = sqlite.prepare("INSERT INTO lead_sources (name, public_key) VALUES ('Site', 'key') RETURNING id").pluck().get();
  const insert = sqlite.prepare(`INSERT INTO leads (source_id, kind, state, owner_id, first_name, last_name, email, phone)
    VALUES (?, 'GENERAL', ?, ?, ?, ?, ?, ?) RETURNING id`).pluck();
  const work = sqlite.prepare('INSERT INTO lead_users (lead_id, user_id) VALUES (?, ?)');
  sqlite.transaction(() => {
    for (let i = 0; i < 600; i++) {
      const first = FIRST[i % FIRST.length] ?? 'X';
      const last = LAST[i % LAST.length] ?? null;
      // Most leads are other agents'; every seventh is mine, every thirteenth I work on.
      const owner = i % 7 === 0 ? me : i % 5 === 0 ? null : other;
      const email = i % 4 === 0 ? null : `${first.toLowerCase().replace(/\s/g, '.')}${i}@Mail.Example`;
      const phone = i % 3 === 0 ? null : `+1512555${String(i).padStart(4, '0')}`;
      const id = insert.get(source, owner === null ? 'UNASSIGNED' : 'ASSIGNED', owner, first, last, email, phone) as number;
      const users = i % 13 === 0 && owner !== me ? [me] : [];
      for (const u of users) work.run(id, u);
      leads.set(id, { texts: [last === null ? first : `${first} ${last}`, email ?? '', phone ?? ''], owner, users });
    }
  })();
  store = createLeadListStore(handle.db);
});
afterAll(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a search must list: the leads whose name, email or phone holds the term, ignoring case, newest first. */
function expected(term: string, may: (lead: { owner: number | null; users: number[] }) => boolean): number[] {
  const t = term.toLowerCase();
  return [...leads].filter(([, l]) => may(l) && l.texts.some((s) => s.toLowerCase().includes(t)))
    .map(([id]) => id).sort((a, b) => b - a);
}
const mine = (l: { owner: number | null; users: number[] }) => l.owner === me || l.users.includes(me);

/** Every page of a search, `size` at a time. */
function allPages(scope: LeadListScope, filter: LeadListFilter, size: number): number[] {
  const ids: number[] = [];
  let before: number | null = null;
  for (;;) {
    const page = store.listLeads(scope, filter, before, size);
    ids.push(...page.map((l) => l.id));
    if (page.length < size) return ids;
    before = page[page.length - 1]?.id ?? null;
  }
}

// Each term with the term the leads hold it as (phones are stored and matched as digits).
const TERMS: [string, string][] = [
  ['reyes', 'reyes'], ['REYES', 'reyes'], ['zoË', 'zoë'], ['ÉMILE D', 'émile d'], ['björn ø', 'björn ø'], ['øster', 'øster'],
  ['mail.example', 'mail.example'], ['MARÍA', 'maría'], ['zo', 'zo'], ['é', 'é'], ['(512) 555-01', '51255501'], ['0042', '0042'],
  ['"dana" OR ole*', '"dana" or ole*'], ['nobody', 'nobody'],
];

describe("a search within one agent's leads", () => {
  it('an agent finds exactly their own leads holding the term, page by page and in the count, indexed or not', () => {
    for (const batch of [0, 300, 1_000_000]) {
      store.indexPending(batch);
      for (const [search, held] of TERMS) {
        const want = expected(held, mine);
        expect(allPages({ memberId: me }, { search }, 7), `${search}, ${store.pendingSearchIndex()} unindexed`).toEqual(want);
        expect(store.countLeads({ memberId: me }, { search }), search).toBe(want.length);
      }
    }
    // The cases above include matches and misses among my leads and among everyone's.
    expect(expected('reyes', mine).length).toBeGreaterThan(10);
    expect(expected('reyes', () => true).length).toBeGreaterThan(expected('reyes', mine).length * 3);
  });

  it("an admin's search filtered by owner finds exactly that owner's leads holding the term; other filters still apply", () => {
    for (const [search, held] of TERMS) {
      const want = expected(held, (l) => l.owner === other);
      expect(allPages({ memberId: null }, { search, ownerId: other }, 9), search).toEqual(want);
      expect(store.countLeads({ memberId: null }, { search, ownerId: other }), search).toBe(want.length);
    }
    // Unassigned leads (no owner) are the ones I was added to as a user.
    expect(store.countLeads({ memberId: me }, { search: 'reyes', state: 'UNASSIGNED' })).toBe(expected('reyes', (l) => mine(l) && l.owner === null).length);
    expect(store.countLeads({ memberId: me }, { search: 'reyes', ownerId: other }))
      .toBe(expected('reyes', (l) => l.owner === other && l.users.includes(me)).length);
  });

  it("does not read the shared index: with it emptied, an agent still finds their leads (and an admin's unfiltered search finds none)", () => {
    store.indexPending(1_000_000);
    handle.sqlite.exec("INSERT INTO leads_search(leads_search) VALUES ('delete-all')");
    expect(store.listLeads({ memberId: null }, { search: 'reyes' }, null, 10)).toEqual([]);
    expect(allPages({ memberId: me }, { search: 'reyes' }, 10)).toEqual(expected('reyes', mine));
    expect(allPages({ memberId: null }, { search: 'reyes', ownerId: other }, 10)).toEqual(expected('reyes', (l) => l.owner === other));
  });
});

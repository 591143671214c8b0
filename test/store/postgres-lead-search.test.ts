// The lead search on PostgreSQL (src/store/postgres/lead-search.ts, index of drizzle/postgres/0004) finds what
// SQLite's lead list finds (lead-list-store.ts): the same leads, in the same order, page by page, for every kind
// of search text (case, accents, phone formats, LIKE's special characters, quotes, short terms, blanks), for an
// admin and for an agent; the phone searches planned around dense trigrams stay exact; and PostgreSQL can use
// the trigram index for the expression the query sends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/sqlite/database.js';
import { createLeadListStore } from '../../src/store/sqlite/lead-list-store.js';
import { createLeadSearch } from '../../src/store/postgres/lead-search.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';
import * as pgSchema from '../../src/store/postgres/schema.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();

interface Lead { first: string; last: string | null; email: string | null; phone: string | null; owner: number | null; users: number[] }

/** Leads that try every rule: case and accents, LIKE's characters, quotes, digits in names, shared phone digits. */
function leadsToSearch(): Lead[] {
  const leads: Lead[] = [
    { first: 'Dana', last: 'Reyes', email: 'dana.reyes@mail.example', phone: '+15125550142', owner: 1, users: [] },
    { first: 'DANA', last: 'REYES', email: 'DREYES@MAIL.EXAMPLE', phone: null, owner: 2, users: [1] },
    { first: 'Élodie', last: 'Ünal', email: 'elodie@mail.example', phone: '+33612345678', owner: null, users: [] },
    { first: 'ÉLODIE', last: null, email: null, phone: null, owner: 1, users: [] },
    { first: 'Maria', last: 'Lopez', email: 'ana@mail.example', phone: '+34911234567', owner: 3, users: [1, 2] },
    { first: 'Ana', last: '', email: 'a_b@mail.example', phone: null, owner: null, users: [] },
    { first: 'Axb', last: 'Percent', email: '100%real@mail.example', phone: null, owner: 1, users: [] },
    { first: 'Back', last: 'Slash', email: 'back\\slash@mail.example', phone: null, owner: null, users: [] },
    { first: 'Sean', last: "O'Brien", email: 'sean@mail.example', phone: '+353861234567', owner: 2, users: [3] },
    { first: '"Quoted"', last: 'Name', email: 'quoted@mail.example', phone: null, owner: null, users: [] },
    { first: 'Name', last: '5125550142', email: null, phone: null, owner: 1, users: [] },
    { first: 'Email', last: 'Match', email: 'x5125550142@mail.example', phone: '+4930123456', owner: null, users: [2] },
    { first: 'Decoy', last: 'Other', email: 'decoy@mail.example', phone: '+15129550142', owner: 3, users: [] },
    { first: 'Decoy', last: 'Abroad', email: null, phone: '+4420150142', owner: null, users: [] },
  ];
  // A thousand leads of one exchange, +1 512 555-0000 to -0999: 512, 125, 255, 555 are dense trigrams.
  for (let i = 0; i < 1000; i++) {
    leads.push({ first: 'Lead', last: `No${i}`, email: `lead${i}@mail.example`, phone: `+1512555${String(i).padStart(4, '0')}`, owner: 1 + (i % 4 === 0 ? 0 : i % 3), users: i % 7 === 0 ? [2] : [] });
  }
  return leads;
}

/** Search texts of every kind; each must list the same leads on both databases. */
const SEARCHES = [
  'reyes', 'REYES', 'ReY', '  reyes  ', 'dana reyes', 'Dana Re', 'mail.example', 'élodie', 'ÉLODIE', 'Ünal', 'ünal',
  'a_b', '_b@', '100%', '%', '_', '\\', '\\slash', "o'b", "O'Brien", '"quoted"', '"Quoted" Name',
  '(512) 555-0142', '512-555-01', '555 0142', '0142', '+1 512 555', '9550142', '(512) 555-9999', '+44 20', '+49 30',
  '12', '+1', '1-2', 'x', 'ab', 'ria lop', 'Maria Lopez', 'lopez\nana', 'lopez ana', 'nobody', '', '   ',
];

describe.skipIf(!available)('lead search on PostgreSQL', () => {
  let dir: string;
  let handle: DatabaseHandle;
  let list: ReturnType<typeof createLeadListStore>;
  let pgDb: { url: string; drop(): Promise<void> };
  let pool: pg.Pool;
  const sent: { sql: string; params: unknown[] }[] = [];
  let search: ReturnType<typeof createLeadSearch>;

  beforeAll(async () => {
    const leads = leadsToSearch();
    dir = mkdtempSync(join(tmpdir(), 'leadrace-pg-search-'));
    handle = openDatabase(join(dir, 'db.sqlite'));
    pgDb = await createTempDatabase();
    await migratePostgres(pgDb.url);
    pool = new pg.Pool({ connectionString: pgDb.url, max: 2 });
    // The database is dropped right after pool.end() (see test/support/cluster.ts): an idle client that
    // hears its termination must not make an uncaught exception of it.
    pool.on('error', () => {});

    const { sqlite } = handle;
    const user = sqlite.prepare("INSERT INTO users (id, name, email, role, handle) VALUES (?, ?, ?, 'AGENT', ?)");
    const source = sqlite.prepare("INSERT INTO lead_sources (id, name, public_key) VALUES (1, 'Site', 'key')");
    const lead = sqlite.prepare(`INSERT INTO leads (id, source_id, kind, state, owner_id, first_name, last_name, email, phone)
      VALUES (?, 1, 'GENERAL', 'ASSIGNED', ?, ?, ?, ?, ?)`);
    const leadUser = sqlite.prepare('INSERT INTO lead_users (lead_id, user_id) VALUES (?, ?)');
    sqlite.transaction(() => {
      for (const id of [1, 2, 3]) user.run(id, `Agent ${id}`, `agent${id}@x.example`, `agent${id}`);
      source.run();
      leads.forEach((l, i) => {
        lead.run(i + 1, l.owner, l.first, l.last, l.email, l.phone);
        for (const u of l.users) leadUser.run(i + 1, u);
      });
    })();
    list = createLeadListStore(handle.db);
    list.indexPending(1_000_000);

    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      for (const id of [1, 2, 3]) {
        await c.query("INSERT INTO users (id, name, email, role, handle) VALUES ($1, $2, $3, 'AGENT', $4)", [id, `Agent ${id}`, `agent${id}@x.example`, `agent${id}`]);
      }
      await c.query("INSERT INTO lead_sources (id, name, public_key) VALUES (1, 'Site', 'key')");
      for (const [i, l] of leads.entries()) {
        await c.query(`INSERT INTO leads (id, source_id, kind, state, owner_id, first_name, last_name, email, phone)
          VALUES ($1, 1, 'GENERAL', 'ASSIGNED', $2, $3, $4, $5, $6)`, [i + 1, l.owner, l.first, l.last, l.email, l.phone]);
        for (const u of l.users) await c.query('INSERT INTO lead_users (lead_id, user_id) VALUES ($1, $2)', [i + 1, u]);
      }
      await c.query('COMMIT');
      await c.query('ANALYZE leads');
    } finally {
      c.release();
    }
    search = createLeadSearch(drizzle(pool, { schema: pgSchema, logger: { logQuery: (sql, params) => { sent.push({ sql, params }); } } }));
  });

  afterAll(async () => {
    await pool?.end();
    await pgDb?.drop();
    handle?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Every page of a search on SQLite's lead list, `size` at a time. */
  function sqlitePages(text: string, memberId: number | null, size: number): number[] {
    const ids: number[] = [];
    let before: number | null = null;
    for (;;) {
      const page = list.listLeads({ memberId }, { search: text }, before, size);
      ids.push(...page.map((l) => l.id));
      if (page.length < size) return ids;
      before = page[page.length - 1]?.id ?? null;
    }
  }

  async function postgresPages(text: string, memberId: number | null, size: number): Promise<number[]> {
    const ids: number[] = [];
    let after: number | null = null;
    for (;;) {
      const page = await search.leadIds({ text, memberId, first: size, after });
      ids.push(...page);
      if (page.length < size) return ids;
      after = page[page.length - 1] ?? null;
    }
  }

  it('lists the same leads as SQLite for every kind of search text, newest first, page by page, for an admin and each agent', async () => {
    for (const text of SEARCHES) {
      for (const memberId of [null, 1, 2, 3]) {
        const expected = sqlitePages(text, memberId, 1000);
        expect(await postgresPages(text, memberId, 1000), `${JSON.stringify(text)}, member ${memberId}`).toEqual(expected);
        // Page by page: small pages where there are few, so that the cursor is crossed many times either way.
        const size = expected.length > 60 ? 97 : 3;
        if (expected.length > size) expect(await postgresPages(text, memberId, size), `${JSON.stringify(text)} in pages of ${size}`).toEqual(expected);
      }
    }
    // The cases are not all empty: the texts above find leads, some of them only in one way.
    expect(sqlitePages('reyes', null, 1000)).toHaveLength(2);
    expect(sqlitePages('ÉLODIE', null, 1000)).toHaveLength(2);
    expect(sqlitePages('_', null, 1000)).toHaveLength(1);
    // The whole number in two phones, a name and an email; 100 of the exchange's phones and those four.
    expect(sqlitePages('(512) 555-0142', null, 1000)).toHaveLength(4);
    expect(sqlitePages('512-555-01', null, 1000)).toHaveLength(103);
    expect(sqlitePages('lopez\nana', null, 1000)).toHaveLength(0);
    expect(sqlitePages('', null, 1000)).toHaveLength(leadsToSearch().length);
  });

  it('folds the case of an admin\'s one- or two-letter term in all of Unicode, where SQLite\'s LIKE folds ASCII only (the one difference)', async () => {
    // SQLite folds all of Unicode for three letters or more (FTS5) and in an agent's search, so there the two agree.
    expect(sqlitePages('é', 1, 1000)).toEqual(await postgresPages('é', 1, 1000));
    expect(sqlitePages('é', null, 1000)).toEqual([]);
    expect(await postgresPages('é', null, 1000)).toEqual([4, 3]);
    expect(await postgresPages('Él', null, 1000)).toEqual(await postgresPages('él', null, 1000));
  });

  it('a phone search looks up only the sparse digits when the others are in many leads, and still finds exactly the whole number', async () => {
    sent.length = 0;
    const ids = await postgresPages('(512) 555-0142', null, 2);
    const statement = sent[sent.length - 1];
    // 512, 125, 255, 555, 550 and 501 are in over a sixteenth of the leads: the index is asked for "0142",
    // the rows are checked for the whole number.
    expect(statement?.params).toContain('%0142%');
    expect(statement?.params).toContain('%5125550142%');
    expect(ids).toEqual(sqlitePages('(512) 555-0142', null, 1000));
    expect(ids).toHaveLength(4);
  });

  it('PostgreSQL can answer a search from the trigram index: the query sends the indexed expression', async () => {
    for (const text of ['reyes', 'mail.example', '(512) 555-0142']) {
      sent.length = 0;
      await search.leadIds({ text, memberId: null, first: 20, after: null });
      const statement = sent[sent.length - 1];
      if (!statement) throw new Error('no statement sent');
      const c = await pool.connect();
      try {
        // A table this small is cheaper to scan: forbid the scans, so that only the index can answer.
        await c.query('BEGIN');
        await c.query('SET LOCAL enable_seqscan = off');
        await c.query('SET LOCAL enable_indexscan = off');
        const plan = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.sql}`, statement.params)).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan, text).toMatch(/Bitmap Index Scan on leads_search_trgm/);
        await c.query('ROLLBACK');
      } finally {
        c.release();
      }
    }
  });
});

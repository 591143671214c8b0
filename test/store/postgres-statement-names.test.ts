// PostgreSQL statements sent again and again get a name, so each connection parses and plans them once
// (src/store/postgres/statement-names.ts): named once hot, one name per text, never more than the cap,
// and never a statement without parameters (which may hold several statements).
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/pg-store.js';
import { HOT_AFTER, MAX_NAMES, StatementNames } from '../../src/store/postgres/statement-names.js';
import { seedLead, seedSource } from '../support/port-suite.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

describe('statement names', () => {
  it('a text is named once seen HOT_AFTER times, always by the same name, and a new text by another', () => {
    const names = new StatementNames();
    for (let i = 1; i < HOT_AFTER; i++) expect(names.nameFor('SELECT $1')).toBeUndefined();
    const name = names.nameFor('SELECT $1');
    expect(name).toMatch(/^leadrace_\d+$/);
    expect(names.nameFor('SELECT $1')).toBe(name);
    for (let i = 1; i < HOT_AFTER; i++) names.nameFor('SELECT $2');
    expect(names.nameFor('SELECT $2')).not.toBe(name);
  });

  it('no more than MAX_NAMES texts are ever named; the named ones keep their names', () => {
    const names = new StatementNames();
    const first = (() => { for (let i = 0; i < HOT_AFTER - 1; i++) names.nameFor('q0'); return names.nameFor('q0'); })();
    for (let t = 1; t < MAX_NAMES + 50; t++) for (let i = 0; i < HOT_AFTER; i++) names.nameFor(`q${t}`);
    expect(names.size).toBe(MAX_NAMES);
    expect(names.nameFor(`q${MAX_NAMES + 10}`)).toBeUndefined();
    expect(names.nameFor('q0')).toBe(first);
  });

  it.skipIf(!available)('a hot statement of the store is prepared once on its connection and keeps answering right', async () => {
    const database = await createTempDatabase();
    cleanup.push(() => database.drop());
    const store = await openPostgresStore(database.url, { poolSize: 1 });
    cleanup.push(() => store.close());
    const source = await seedSource(store);
    const leads = [await seedLead(store, source.id), await seedLead(store, source.id)];
    for (let i = 0; i < HOT_AFTER + 2; i++) {
      const lead = leads[i % 2];
      expect((await store.leads.findLead(lead?.id ?? 0))?.id).toBe(lead?.id);
    }
    // One connection in the pool: this query runs on the connection the store's statements ran on.
    const { rows } = await store.pool.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements');
    const prepared = rows.filter((r) => r.name.startsWith('leadrace_'));
    expect(prepared.some((r) => /from "leads" where "leads"\."id" = \$1/.test(r.statement))).toBe(true);
    // Statements without parameters are not named (this very query is one).
    expect(rows.some((r) => r.statement.includes('pg_prepared_statements'))).toBe(false);
  });
});

// A PostgreSQL transaction's BEGIN rides with its first statement (src/store/postgres/commit-batch.ts):
// not a round trip of its own, and still a transaction. What the first statement wrote is taken back by a
// rollback, whether it went unnamed, named (a hot statement) or as a simple query; a failing first
// statement leaves the connection usable; the caller gets the statement's own answer; and an empty
// transaction sends nothing.
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { PgErrorCode, pgErrorCode } from '../../src/store/postgres/context.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { HOT_AFTER } from '../../src/store/postgres/statement-names.js';
import { statementsOf } from '../support/pg-statements.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

/** A store with one pooled connection (so every statement below runs on the same one) and a scratch table. */
async function open(): Promise<PostgresStore> {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  const store = await openPostgresStore(database.url, { poolSize: 1 });
  cleanup.push(() => store.close());
  await store.pool.query('CREATE TABLE scratch (id int PRIMARY KEY, v text NOT NULL)');
  return store;
}

const insert = (id: number, v = 'x') => sql`INSERT INTO scratch (id, v) VALUES (${id}, ${v}) RETURNING id, v`;
const count = async (store: PostgresStore): Promise<number> =>
  (await store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM scratch')).rows[0]?.n ?? -1;

/** The texts that reach node-postgres's own query (each one a round trip) while `fn` runs. */
const sent = async (fn: () => Promise<unknown>): Promise<string[]> => (await statementsOf(fn)).map((s) => s.text);

class Abort extends Error {}

describe.skipIf(!available)('a PostgreSQL transaction\'s BEGIN goes with its first statement', () => {
  it('one round trip for BEGIN and the first statement, which answers with its own rows; none for an empty transaction', async () => {
    const store = await open();
    let answer: unknown;
    const texts = await sent(() => store.db.transaction(async (tx) => {
      answer = (await tx.execute<{ id: number; v: string }>(insert(1, 'one'))).rows;
    }));
    expect(texts.map((t) => t.trim().toLowerCase().split(/\s+/)[0])).toEqual(['insert', 'commit']);
    expect(answer).toEqual([{ id: 1, v: 'one' }]);
    expect(await count(store)).toBe(1);
    expect(await sent(() => store.db.transaction(async () => {}))).toEqual([]);
    await expect(store.db.transaction(async () => { throw new Abort(); })).rejects.toBeInstanceOf(Abort);
  });

  it('a rollback takes back what the first statement wrote: unnamed, then named once hot', async () => {
    const store = await open();
    // HOT_AFTER + 2 rounds: the insert's text is named from the HOT_AFTER-th on (statement-names.ts).
    for (let i = 0; i < HOT_AFTER + 2; i++) {
      await expect(store.db.transaction(async (tx) => {
        await tx.execute(insert(10 + i));
        expect((await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM scratch WHERE id = ${10 + i}`)).rows[0]?.n).toBe(1);
        throw new Abort();
      })).rejects.toBeInstanceOf(Abort);
      expect(await count(store)).toBe(0);
    }
    const { rows } = await store.pool.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'leadrace_%'");
    expect(rows.some((r) => r.statement.startsWith('INSERT INTO scratch'))).toBe(true);
    // And committed, the named statement's row stays.
    await store.db.transaction(async (tx) => { await tx.execute(insert(99)); });
    expect(await count(store)).toBe(1);
  });

  it('a first statement that fails leaves no transaction open and the connection usable, named or not', async () => {
    const store = await open();
    await store.pool.query("INSERT INTO scratch VALUES (1, 'taken')");
    for (let i = 0; i < HOT_AFTER + 2; i++) {
      // The duplicate key fails the first statement; drizzle rolls back.
      const failed = await store.db.transaction(async (tx) => { await tx.execute(insert(1)); }).then(() => null, (err: unknown) => err);
      expect(pgErrorCode(failed)).toBe(PgErrorCode.UNIQUE_VIOLATION);
      // The same connection (the pool has one) runs the next transaction from its start.
      await store.db.transaction(async (tx) => { await tx.execute(insert(100 + i)); });
    }
    expect(await count(store)).toBe(1 + HOT_AFTER + 2);
    const { rows } = await store.pool.query<{ open: boolean }>("SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS open");
    expect(rows[0]?.open).toBe(false);
  });

  it('a first statement sent as a simple query runs inside the transaction too', async () => {
    const store = await open();
    let inside: string | undefined;
    await store.db.transaction(async (tx) => {
      // No parameters: a simple query. SET LOCAL outside a transaction would change nothing.
      await tx.execute(sql.raw('SET LOCAL statement_timeout = 4321'));
      inside = (await tx.execute<{ statement_timeout: string }>(sql.raw('SHOW statement_timeout'))).rows[0]?.statement_timeout;
    });
    expect(inside).toBe('4321ms');
    const after = (await store.pool.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]?.statement_timeout;
    expect(after).toBe('0');
    // And rolled back, a simple first statement's write is taken back.
    await expect(store.db.transaction(async (tx) => {
      await tx.execute(sql.raw("INSERT INTO scratch VALUES (7, 'simple')"));
      throw new Abort();
    })).rejects.toBeInstanceOf(Abort);
    expect(await count(store)).toBe(0);
  });

  it('the store\'s own transactions keep their atomicity: a rollback after a write leaves nothing', async () => {
    const store = await open();
    await expect(store.transaction(async (tx) => {
      await tx.statusCodes.insertStatusCodeLast('Rolled back');
      throw new Abort();
    })).rejects.toBeInstanceOf(Abort);
    const { rows } = await store.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM status_codes WHERE name = 'Rolled back'");
    expect(rows[0]?.n).toBe(0);
  });
});

// Deferred durability on PostgreSQL (src/store/postgres/flush-barrier.ts): a deferred transaction
// commits with synchronous_commit off, set in its COMMIT's own round trip; durable() then commits one
// barrier that waits for the WAL flush, shared by every deferred commit made before it.
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreTx, TransactionOptions } from '../../src/store/port.js';
import type { PgExecutor } from '../../src/store/postgres/context.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/pg-store.js';
import { statementsOf } from '../support/pg-statements.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

/**
 * A store and a scratch table whose deferred constraint trigger runs at COMMIT and records the
 * synchronous_commit then in force: the setting the COMMIT itself obeys.
 */
async function open(): Promise<PostgresStore> {
  const database = await createTempDatabase();
  cleanup.push(() => database.drop());
  const store = await openPostgresStore(database.url);
  cleanup.push(() => store.close());
  await store.pool.query(`
    CREATE TABLE scratch (id int PRIMARY KEY);
    CREATE TABLE seen_at_commit (id int PRIMARY KEY, synchronous_commit text NOT NULL);
    CREATE FUNCTION record_setting() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO seen_at_commit VALUES (NEW.id, current_setting('synchronous_commit'));
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER record_setting AFTER INSERT ON scratch
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION record_setting();`);
  return store;
}

/** Inserts `id` into scratch in a transaction of the store's own, on its connection. */
const write = (store: PostgresStore, id: number, options?: TransactionOptions) => store.transaction(async (tx: StoreTx) => {
  const { db } = (tx as unknown as { ctx: { db: PgExecutor } }).ctx;
  await db.execute(sql`INSERT INTO scratch (id) VALUES (${id})`);
}, options);

const settingAtCommit = async (store: PostgresStore, id: number): Promise<string | undefined> =>
  (await store.pool.query<{ synchronous_commit: string }>('SELECT synchronous_commit FROM seen_at_commit WHERE id = $1', [id])).rows[0]?.synchronous_commit;

const lsn = async (store: PostgresStore, fn: 'pg_current_wal_insert_lsn' | 'pg_current_wal_flush_lsn'): Promise<string> =>
  (await store.pool.query<{ lsn: string }>(`SELECT ${fn}()::text AS lsn`)).rows[0]?.lsn ?? '';

/** `a` ≥ `b`, two LSNs as PostgreSQL prints them. */
const lsnAtLeast = async (store: PostgresStore, a: string, b: string): Promise<boolean> =>
  (await store.pool.query<{ ok: boolean }>('SELECT $1::pg_lsn >= $2::pg_lsn AS ok', [a, b])).rows[0]?.ok === true;

describe.skipIf(!available)('deferred durability on PostgreSQL', () => {
  it('a deferred transaction\'s COMMIT runs with synchronous_commit off, in the same round trip; others keep it on', async () => {
    const store = await open();
    const texts = (await statementsOf(() => write(store, 1, { durability: 'deferred' }))).map((s) => s.text.trim().toLowerCase());
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^insert into scratch/);
    expect(texts[1]).toBe('set local synchronous_commit to off;\ncommit');
    expect(await settingAtCommit(store, 1)).toBe('off');

    await write(store, 2);
    expect(await settingAtCommit(store, 2)).toBe('on');
    await write(store, 3, { durability: 'deferred', lane: 'scheduled' });
    expect(await settingAtCommit(store, 3)).toBe('off');
    // The setting was LOCAL: the connection's next transaction commits with its own again.
    await Promise.all([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((id) => write(store, id)));
    const { rows } = await store.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM seen_at_commit WHERE id >= 4 AND synchronous_commit = 'on'");
    expect(rows[0]?.n).toBe(11);
    // A deferred transaction that sends nothing sends nothing at its end either.
    expect(await statementsOf(() => store.transaction(async () => {}, { durability: 'deferred' }))).toEqual([]);
  });

  it('a deferred transaction rolled back leaves nothing, and the connection\'s next commit waits for its flush', async () => {
    const store = await open();
    await expect(store.transaction(async (tx: StoreTx) => {
      const { db } = (tx as unknown as { ctx: { db: PgExecutor } }).ctx;
      await db.execute(sql`INSERT INTO scratch (id) VALUES (1)`);
      throw new Error('changed its mind');
    }, { durability: 'deferred' })).rejects.toThrow('changed its mind');
    await Promise.all([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((id) => write(store, id)));
    const { rows } = await store.pool.query<{ id: number; synchronous_commit: string }>('SELECT id, synchronous_commit FROM seen_at_commit ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(rows.every((r) => r.synchronous_commit === 'on')).toBe(true);
  });

  it('durable() commits one barrier for every deferred commit made before it, flushing the WAL past them; none when there is nothing to flush', async () => {
    const store = await open();
    const barrier = store.flushBarrier;
    await store.durable();
    expect(barrier.flushes).toBe(0);

    await Promise.all([1, 2, 3, 4, 5].map((id) => write(store, id, { durability: 'deferred' })));
    const written = await lsn(store, 'pg_current_wal_insert_lsn');
    await Promise.all([store.durable(), store.durable(), store.durable()]);
    expect(barrier.flushes).toBe(1);
    expect(await lsnAtLeast(store, await lsn(store, 'pg_current_wal_flush_lsn'), written)).toBe(true);
    // The barrier wrote its mark (a commit that writes no WAL would not wait for the flush).
    const { rows } = await store.pool.query<{ marks: number }>('SELECT sum(marks)::int AS marks FROM flush_marks');
    expect(rows[0]?.marks).toBe(1);

    // Nothing deferred since: no barrier. Full commits are never waited for.
    await write(store, 6);
    await store.durable();
    expect(barrier.flushes).toBe(1);

    // Commits made while a barrier runs wait for the next one.
    await write(store, 7, { durability: 'deferred' });
    const first = store.durable();
    await write(store, 8, { durability: 'deferred' });
    const second = store.durable();
    await Promise.all([first, second]);
    expect(barrier.flushes).toBe(3);
  });
});

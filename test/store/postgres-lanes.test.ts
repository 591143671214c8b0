// On PostgreSQL the server's own scheduled work (closing offer windows, the outbox) runs its transactions
// on connections of its own (TransactionOptions.lane 'scheduled'): requests holding every connection of the
// main pool (leads queued on a source's rotation lock under heavy intake) do not hold a deadline up.
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreTx, TransactionOptions } from '../../src/store/port.js';
import type { PgExecutor } from '../../src/store/postgres/context.js';
import { openPostgresStore } from '../../src/store/postgres/pg-store.js';
import { createTempDatabase, havePostgres } from '../support/services.js';

const available = await havePostgres();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

describe.skipIf(!available)('transaction lanes on PostgreSQL', () => {
  it('a scheduled transaction runs while requests hold every connection of the pool; a request waits', async () => {
    const database = await createTempDatabase();
    cleanup.push(() => database.drop());
    const store = await openPostgresStore(database.url, { poolSize: 2 });
    cleanup.push(() => store.close());

    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    let started = 0;
    const holders = [1, 2].map(() => store.transaction(async (tx) => {
      await tx.statusCodes.defaultStatusCodeId();
      started++;
      await held;
    }));
    while (started < 2) await new Promise((r) => setTimeout(r, 10));

    let requestDone = false;
    const request = store.transaction((tx) => tx.statusCodes.listStatusCodes(false)).then(() => { requestDone = true; });
    const scheduled = await store.transaction((tx) => tx.statusCodes.listStatusCodes(false), { lane: 'scheduled' });
    expect(scheduled.map((c) => c.name)).toEqual(['New', 'Showing Houses', 'Closed']);
    // The request is still waiting for a connection of the main pool.
    expect(requestDone).toBe(false);

    release();
    await Promise.all([...holders, request]);
    expect(requestDone).toBe(true);
  });

  it('a relaxed transaction commits without waiting for the WAL flush (its connections say so: no SET LOCAL each); the others wait for it', async () => {
    const database = await createTempDatabase();
    cleanup.push(() => database.drop());
    const store = await openPostgresStore(database.url);
    cleanup.push(() => store.close());
    // The transaction's own connection, as its stores run statements on it (pg-store.ts ContextStores).
    const setting = (options?: TransactionOptions) => store.transaction(async (tx: StoreTx) => {
      const { db } = (tx as unknown as { ctx: { db: PgExecutor } }).ctx;
      const { rows } = await db.execute<{ synchronous_commit: string }>(sql`SHOW synchronous_commit`);
      return rows[0]?.synchronous_commit;
    }, options);
    expect(await setting({ durability: 'relaxed', lane: 'scheduled' })).toBe('off');
    expect(await setting({ durability: 'relaxed' })).toBe('off');
    expect(await setting({ lane: 'scheduled' })).toBe('on');
    expect(await setting()).toBe('on');
  });
});

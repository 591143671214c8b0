// Transactions of the async store port on SQLite's one connection: a transaction's awaits never let
// a statement from outside onto the connection (a read would see its uncommitted rows, a write would
// join it and share its fate), savepoints undo only their own writes, a transaction's stores refuse
// use once it has ended or while a savepoint of it is open, the roster cache never keeps a roster
// that a rolled-back transaction wrote, and a relaxed commit skips only its own fsync.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreTx } from '../../src/store/port.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

let dir: string;
let store: SqliteStore;
let sourceId: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadrace-tx-'));
  store = openSqliteStore(join(dir, 'db.sqlite'));
  sourceId = store.sqlite.prepare("INSERT INTO lead_sources (name, public_key) VALUES ('Site', 'k') RETURNING id").pluck().get() as number;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A turn of the event loop: whatever else is ready (a request, a timer) runs meanwhile. */
const anotherTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const rolledBack = new Error('rolled back on purpose');
const count = (table: string) => store.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('SQLite transactions of the store port', () => {
  it('a read from outside waits for the transaction, and never sees rows it then rolls back', async () => {
    let readDone = false;
    let outside: Promise<unknown> | null = null;
    const tx = store.transaction(async (t) => {
      const lead = await t.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Ghost' });
      outside = store.leads.findLead(lead.id).finally(() => { readDone = true; });
      await anotherTurn();
      await anotherTurn();
      expect(readDone).toBe(false);
      throw rolledBack;
    });
    await expect(tx).rejects.toBe(rolledBack);
    expect(outside).not.toBeNull();
    expect(await outside).toBeNull();
    expect(count('leads')).toBe(0);
  });

  it('a write from outside during a transaction commits on its own, not with the transaction it waited for', async () => {
    let outside: Promise<unknown> | null = null;
    const tx = store.transaction(async (t) => {
      await t.org.insertOffice('Inside');
      outside = store.org.insertOffice('Outside');
      await anotherTurn();
      throw rolledBack;
    });
    await expect(tx).rejects.toBe(rolledBack);
    await outside;
    expect((await store.org.listOffices()).map((o) => o.name)).toEqual(['Outside']);
  });

  it('calls from outside run in the order they came, each after the transactions that came before it', async () => {
    const order: string[] = [];
    const first = store.transaction(async (t) => {
      await t.org.insertOffice('A');
      await anotherTurn();
      order.push('first committed');
    });
    const read = store.org.listOffices().then((rows) => order.push(`read ${rows.map((r) => r.name).join(',')}`));
    const second = store.transaction(async (t) => {
      await t.org.insertOffice('B');
      order.push('second committed');
    });
    await Promise.all([first, read, second]);
    expect(order).toEqual(['first committed', 'read A', 'second committed']);
  });

  it('a savepoint that fails undoes its own writes only; the transaction goes on and commits', async () => {
    await store.transaction(async (t) => {
      await t.org.insertOffice('Kept before');
      await expect(t.savepoint(async (sp) => {
        await sp.org.insertOffice('Undone');
        await sp.savepoint((inner) => inner.org.insertOffice('Undone inner')).then(() => undefined);
        throw rolledBack;
      })).rejects.toBe(rolledBack);
      await t.savepoint((sp) => sp.org.insertOffice('Kept in savepoint'));
      await t.org.insertOffice('Kept after');
    });
    expect((await store.org.listOffices()).map((o) => o.name).sort()).toEqual(['Kept after', 'Kept before', 'Kept in savepoint']);
  });

  it("a transaction's stores are refused while a savepoint of it is open, and once it has ended", async () => {
    const kept: { tx: StoreTx | null } = { tx: null };
    await store.transaction(async (t) => {
      kept.tx = t;
      await t.savepoint(async () => {
        await expect(t.org.insertOffice('Through the parent')).rejects.toThrow(/savepoint/);
      });
    });
    const ended = kept.tx;
    if (!ended) throw new Error('the transaction never ran');
    await expect(ended.org.insertOffice('After the end')).rejects.toThrow(/after it ended/);
    expect(count('offices')).toBe(0);
  });

  it('the roster cache never keeps a roster that a rolled-back transaction wrote', async () => {
    expect(await store.leads.loadRoster()).toEqual([]);
    await expect(store.transaction(async (t) => {
      await t.identity.insertUser({ name: 'Ghost', email: 'ghost@example.com', role: 'AGENT', handle: 'ghost' });
      // Read twice across turns of the event loop inside the transaction: it sees its own agent.
      expect((await t.leads.loadRoster()).length).toBe(1);
      await anotherTurn();
      expect((await t.leads.loadRoster()).length).toBe(1);
      throw rolledBack;
    })).rejects.toBe(rolledBack);
    expect(await store.leads.loadRoster()).toEqual([]);
    // And a committed one is seen at once.
    await store.transaction((t) => t.identity.insertUser({ name: 'Real', email: 'real@example.com', role: 'AGENT', handle: 'real' }));
    expect((await store.leads.loadRoster()).map((a) => a.active)).toEqual([true]);
  });

  it('a relaxed commit runs with synchronous=NORMAL and leaves the connection at FULL', async () => {
    const synchronous = () => store.sqlite.pragma('synchronous', { simple: true });
    expect(synchronous()).toBe(2);
    await store.transaction(async () => { expect(synchronous()).toBe(1); }, { durability: 'relaxed' });
    expect(synchronous()).toBe(2);
    await store.transaction(async () => { expect(synchronous()).toBe(2); });
    await expect(store.transaction(async () => { throw rolledBack; }, { durability: 'relaxed' })).rejects.toBe(rolledBack);
    expect(synchronous()).toBe(2);
  });
});

describe('deferred durability on SQLite (wal-sync.ts)', () => {
  const synchronous = () => store.sqlite.pragma('synchronous', { simple: true });
  const addLead = (name: string) => store.transaction(async (t) => {
    expect(synchronous()).toBe(1);
    await t.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: name });
  }, { durability: 'deferred' });

  it('a deferred commit skips its fsync; durable() syncs the WAL once for the commits made before it', async () => {
    await addLead('One');
    await addLead('Two');
    expect(synchronous()).toBe(2);
    expect(count('leads')).toBe(2);
    const before = store.walSync.fsyncs;
    await Promise.all([store.durable(), store.durable()]);
    expect(store.walSync.fsyncs - before).toBe(1);
    // Nothing deferred since: nothing to sync. A full commit syncs itself and is not counted.
    await store.durable();
    await store.transaction((t) => t.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Full' }));
    await store.durable();
    expect(store.walSync.fsyncs - before).toBe(1);
  });

  it('a commit made while the WAL is being synced waits for the next sync', async () => {
    await addLead('First');
    const first = store.durable();
    await addLead('During');
    const second = store.durable();
    const before = store.walSync.fsyncs;
    await Promise.all([first, second]);
    expect(store.walSync.fsyncs - before).toBe(2);
  });

  it('a rolled-back deferred transaction leaves nothing to sync', async () => {
    await expect(store.transaction(async (t) => {
      await t.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Gone' });
      throw rolledBack;
    }, { durability: 'deferred' })).rejects.toBe(rolledBack);
    expect(synchronous()).toBe(2);
    const before = store.walSync.fsyncs;
    await store.durable();
    expect(store.walSync.fsyncs).toBe(before);
  });

  it('an in-memory database has no WAL to sync', async () => {
    const memory = openSqliteStore(':memory:');
    try {
      await memory.transaction((t) => t.identity.insertUser({ name: 'M', email: 'm@example.com', role: 'AGENT', handle: 'm' }), { durability: 'deferred' });
      await memory.durable();
      expect(memory.walSync.fsyncs).toBe(0);
    } finally {
      await memory.close();
    }
  });
});

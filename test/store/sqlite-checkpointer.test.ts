// WAL checkpoints off the event loop (checkpointer.ts): the server's connection checkpoints only past
// 2,000 pages, not at SQLite's default 1,000; a worker thread with its own connection copies the WAL into the
// database file, and stops (its connection closed) before the server's connection closes.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

let dir: string;
let file: string;
let store: SqliteStore | null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadrace-ckpt-'));
  file = join(dir, 'db.sqlite');
});
afterEach(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WAL checkpoints in a worker thread', () => {
  it('copies committed pages into the database file while the server connection only writes', async () => {
    store = openSqliteStore(file);
    const s = store;
    // The server's own checkpoints only past 2,000 pages (the worker fell behind or is gone).
    expect(s.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(2_000);
    // Let the worker copy what the migrations wrote, then measure the file.
    await sleep(600);
    const sourceId = s.sqlite.prepare("INSERT INTO lead_sources (name, public_key) VALUES ('Site', 'k') RETURNING id").pluck().get() as number;
    const before = statSync(file).size;
    // A few hundred pages of leads: below the server's own threshold, so only the worker copies them.
    for (let i = 0; i < 20; i++) {
      await s.transaction(async (t) => {
        for (let j = 0; j < 50; j++) await t.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: `Lead ${i}-${j} ${'x'.repeat(200)}` });
      });
    }
    const deadline = Date.now() + 5000;
    while (statSync(file).size <= before && Date.now() < deadline) await sleep(50);
    expect(statSync(file).size).toBeGreaterThan(before);
  });

  it('close stops the worker first: the server connection, closing last, removes the WAL', async () => {
    store = openSqliteStore(file);
    await store.transaction((t) => t.identity.insertUser({ name: 'A', email: 'a@example.com', role: 'AGENT', handle: 'a' }));
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();
    store = null;
    // SQLite checkpoints and deletes the WAL when the last connection to the file closes.
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('an in-memory database starts no worker and keeps SQLite\'s default', async () => {
    store = openSqliteStore(':memory:');
    // (In-memory databases have no WAL; the pragma still reads SQLite's default.)
    expect(store.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
  });
});

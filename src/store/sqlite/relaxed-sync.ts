// Commits that need no fsync of their own. The database runs WAL with synchronous=FULL, so every
// commit waits for the disk (2.6 ms per commit on the benchmark machine, on the event loop).
// Some writes are bookkeeping whose loss to a power cut costs nothing but a retry: under WAL,
// synchronous=NORMAL still survives a process crash (kill -9), and the next FULL commit syncs the
// whole WAL, these frames included. Never use this for a lead, an offer or an event.
import type Database from 'better-sqlite3';
import type { Db } from './database.js';
import { clientOf } from './transaction.js';

interface SyncStatements {
  read: Database.Statement;
  normal: Database.Statement;
  restore: Map<number, Database.Statement>;
}
/** The pragma statements, prepared once per connection (db.pragma() prepares on every call). */
const prepared = new WeakMap<Database.Database, SyncStatements>();

function statementsOf(client: Database.Database): SyncStatements {
  let s = prepared.get(client);
  if (!s) {
    s = { read: client.prepare('PRAGMA synchronous').pluck(), normal: client.prepare('PRAGMA synchronous = NORMAL'), restore: new Map() };
    prepared.set(client, s);
  }
  return s;
}

/**
 * Runs `fn` with synchronous=NORMAL, then restores the setting. `fn` may be one autocommit write or
 * one transaction of several: either way it is one commit without an fsync.
 */
export function withoutFsync<T>(db: Db, fn: () => T): T {
  const client = clientOf(db);
  // Inside a transaction the write commits with it (and its setting): nothing to relax here.
  if (client.inTransaction) return fn();
  const restore = relaxFsync(client);
  try {
    return fn();
  } finally {
    restore();
  }
}

/**
 * Sets synchronous=NORMAL until the returned function is called, which restores the setting. For a
 * transaction that spans awaits (connection.ts), set before its BEGIN and restored after its COMMIT.
 */
export function relaxFsync(client: Database.Database): () => void {
  const s = statementsOf(client);
  const previous = Number(s.read.get());
  s.normal.run();
  return () => {
    let restore = s.restore.get(previous);
    if (!restore) s.restore.set(previous, restore = client.prepare(`PRAGMA synchronous = ${previous}`));
    restore.run();
  };
}

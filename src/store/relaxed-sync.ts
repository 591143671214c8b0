// Commits that need no fsync of their own. The database runs WAL with synchronous=FULL, so every
// commit waits for the disk (2.6 ms per commit on the benchmark machine, on the event loop).
// Some writes are bookkeeping whose loss to a power cut costs nothing but a retry: under WAL,
// synchronous=NORMAL still survives a process crash (kill -9), and the next FULL commit syncs the
// whole WAL, these frames included. Never use this for a lead, an offer or an event.
import Database from 'better-sqlite3';
import type { Db } from './database.js';

/** Runs `fn` (one autocommit write) with synchronous=NORMAL, then restores the setting. */
export function withoutFsync<T>(db: Db, fn: () => T): T {
  // drizzle() attaches the better-sqlite3 handle as $client.
  const client: unknown = Reflect.get(db, '$client');
  // Inside a transaction the write commits with it (and its setting): nothing to relax here.
  if (!(client instanceof Database) || client.inTransaction) return fn();
  const previous = client.pragma('synchronous', { simple: true });
  client.pragma('synchronous = NORMAL');
  try {
    return fn();
  } finally {
    client.pragma(`synchronous = ${Number(previous)}`);
  }
}

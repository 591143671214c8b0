// Synchronous transactions on the connection itself, for store methods that write several rows as
// one commit within one call (claims, index batches). The port's transactions, which span awaits,
// are in connection.ts; inside one of those, a transaction here becomes a savepoint of it.
//
// drizzle's db.transaction() builds a transaction object (a
// new database wrapper) on every call, nested ones included; the routing hot path opens three per
// lead (the change, the outbox listener, the outbox insert), so that showed in the intake profile.
// better-sqlite3's own transaction function is made once per connection here; called inside another
// transaction it becomes a savepoint, so nesting works as before. The stores keep issuing their
// queries through drizzle on the same connection: they run inside this transaction.
import Database from 'better-sqlite3';
import type { Db } from './database.js';

type Runner = (fn: () => unknown) => unknown;

/** The better-sqlite3 connection under a drizzle database (drizzle() attaches it as $client). */
export function clientOf(db: Db): Database.Database {
  const client: unknown = Reflect.get(db, '$client');
  if (!(client instanceof Database)) throw new Error('not a better-sqlite3 database');
  return client;
}
const runners = new WeakMap<Db, Runner>();

function runnerOf(db: Db): Runner {
  let run = runners.get(db);
  if (!run) {
    run = clientOf(db).transaction((fn: () => unknown) => fn());
    runners.set(db, run);
  }
  return run;
}

/** Runs `fn` (synchronous) in a transaction, or in a savepoint when one is already open. */
export function transaction<T>(db: Db, fn: () => T): T {
  return runnerOf(db)(fn) as T;
}

/** Whether a transaction is open on the connection (then a write joins it). */
export function isInTransaction(db: Db): boolean {
  return clientOf(db).inTransaction;
}

// The one better-sqlite3 connection behind the async port, and its transactions. The statements
// themselves stay synchronous better-sqlite3 calls; what is asynchronous is the transaction: BEGIN,
// then the callback's awaits, then COMMIT. The connection lock (connection-lock.ts) is held for all
// of it, so nothing from outside runs on the connection in between.
//
// Savepoints nest inside a transaction, one name per depth (sp1, sp2, ...), so that rolling one back
// can never undo another's work. While a savepoint is open its parent's stores are refused: the
// callback must use the savepoint's own (see TxScope), so that no write lands in the wrong one.
import type Database from 'better-sqlite3';
import type { TransactionOptions } from '../port.js';
import type { Db } from './database.js';
import { ConnectionLock } from './connection-lock.js';
import { relaxFsync } from './relaxed-sync.js';
import type { WalSync } from './wal-sync.js';

/** Where a facade's calls go: the lock (outside any transaction) or one open transaction or savepoint. */
export interface Gate {
  run<R>(call: () => R): Promise<R>;
  /** Like run(() => fn(...args)), without a closure per call (async-facade.ts). */
  apply<R>(fn: (...args: unknown[]) => R, args: unknown[]): Promise<R>;
}

/** One open transaction or savepoint, as the stores bound to it see it. */
export class TxScope implements Gate {
  open = true;
  /** The savepoint open inside this one: until it ends, calls here are refused. */
  child: TxScope | null = null;

  constructor(readonly depth: number) {}

  run<R>(call: () => R): Promise<R> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    try {
      return Promise.resolve(call());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  apply<R>(fn: (...args: unknown[]) => R, args: unknown[]): Promise<R> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    try {
      return Promise.resolve(fn(...args));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Why a call through this scope is refused now, or null when it may run. */
  private refusal(): Error | null {
    if (!this.open) return new Error('a transaction\'s stores were used after it ended');
    if (this.child) return new Error('a transaction\'s stores were used while a savepoint of it was open: use the savepoint\'s');
    return null;
  }
}

interface SavepointStatements {
  begin: Database.Statement;
  release: Database.Statement;
  rollbackTo: Database.Statement;
}

export class SqliteConnection {
  readonly lock = new ConnectionLock();
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoints: SavepointStatements[] = [];
  /** Called when the open async transaction ends, committed or not (see whenTransactionEnds). */
  private endHooks: (() => void)[] = [];
  private asyncTransactionOpen = false;

  constructor(readonly client: Database.Database, readonly db: Db, readonly walSync: WalSync) {
    this.begin = client.prepare('BEGIN');
    this.commit = client.prepare('COMMIT');
    this.rollback = client.prepare('ROLLBACK');
  }

  /**
   * Runs `fn` in a transaction, holding the connection until it settles: COMMIT when it resolves,
   * ROLLBACK when it (or the commit) fails. Relaxed and deferred durability: the commit is made
   * without an fsync of its own (relaxed-sync.ts); a deferred one is counted for walSync.durable().
   */
  transaction<T>(fn: (scope: TxScope) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const durability = options.durability ?? 'full';
    return this.lock.hold(() => (durability === 'full' ? this.run(fn) : this.runRelaxed(fn, durability === 'deferred')));
  }

  private async runRelaxed<T>(fn: (scope: TxScope) => Promise<T>, deferred: boolean): Promise<T> {
    const restore = relaxFsync(this.client);
    try {
      return await this.run(fn, deferred);
    } finally {
      restore();
    }
  }

  private async run<T>(fn: (scope: TxScope) => Promise<T>, deferred = false): Promise<T> {
    this.begin.run();
    this.asyncTransactionOpen = true;
    const scope = new TxScope(0);
    try {
      const result = await fn(scope);
      if (scope.child) throw new Error('a transaction ended while a savepoint of it was still open');
      scope.open = false;
      this.commit.run();
      if (deferred) this.walSync.committed();
      return result;
    } catch (err) {
      if (this.client.inTransaction) this.rollback.run();
      throw err;
    } finally {
      scope.open = false;
      this.asyncTransactionOpen = false;
      this.transactionEnded();
    }
  }

  /** Runs `fn` in a savepoint of `parent`: released when it resolves, rolled back to when it rejects. */
  async savepoint<T>(parent: TxScope, fn: (scope: TxScope) => Promise<T>): Promise<T> {
    if (!parent.open) throw new Error('a savepoint was opened in a transaction that had ended');
    if (parent.child) throw new Error('a savepoint was opened beside another one still open: nest them instead');
    const depth = parent.depth + 1;
    const statements = this.savepointStatements(depth);
    statements.begin.run();
    const scope = new TxScope(depth);
    parent.child = scope;
    try {
      const result = await fn(scope);
      if (scope.child) throw new Error('a savepoint ended while a savepoint inside it was still open');
      scope.open = false;
      statements.release.run();
      return result;
    } catch (err) {
      // An error that ended the whole transaction (SQLite rolls back on some) leaves nothing to undo here.
      if (this.client.inTransaction) {
        statements.rollbackTo.run();
        statements.release.run();
      }
      throw err;
    } finally {
      scope.open = false;
      parent.child = null;
    }
  }

  /**
   * Calls `hook` once the transaction now open ends (committed or rolled back) and returns true; returns
   * false, calling nothing, when none is open. A synchronous transaction of a store method (better-sqlite3's
   * own) ends before anything else runs, so its hook is a microtask.
   */
  whenTransactionEnds(hook: () => void): boolean {
    if (this.asyncTransactionOpen) {
      this.endHooks.push(hook);
      return true;
    }
    if (this.client.inTransaction) {
      queueMicrotask(hook);
      return true;
    }
    return false;
  }

  private transactionEnded(): void {
    const hooks = this.endHooks;
    this.endHooks = [];
    for (const hook of hooks) hook();
  }

  private savepointStatements(depth: number): SavepointStatements {
    let s = this.savepoints[depth];
    if (!s) {
      s = {
        begin: this.client.prepare(`SAVEPOINT sp${depth}`),
        release: this.client.prepare(`RELEASE sp${depth}`),
        rollbackTo: this.client.prepare(`ROLLBACK TO sp${depth}`),
      };
      this.savepoints[depth] = s;
    }
    return s;
  }
}

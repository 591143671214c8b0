// Deferred durability on PostgreSQL (TransactionOptions.durability 'deferred'). A COMMIT normally
// returns once PostgreSQL has flushed the WAL up to its commit record: on these machines' virtual
// disks that is usually under a millisecond, but now and then tens or hundreds, and the routing
// transaction's offer waited for it before it was pushed. A deferred transaction commits with
// synchronous_commit off for itself alone (commit-batch.ts, commitWithoutFlush): it is visible at
// once, its offer is pushed at once, and `durable()` later makes it durable before its caller is
// answered.
//
// The barrier is a commit that does wait for its flush. The WAL is one log, flushed in order, so the
// flush up to the barrier's commit record covers every commit whose record came before it: every
// deferred commit that had returned before the barrier began. PostgreSQL waits for the flush only
// for a transaction that has an xid and wrote WAL (RecordTransactionCommit), which a SELECT never
// has; so the barrier writes one row of flush_marks, in one statement that is its own transaction
// (one round trip). SyncBarrier runs one at a time and shares each among every commit made before it.
//
// What is lost when: a crash of this process loses nothing (PostgreSQL has the commits). A crash of
// PostgreSQL itself, or of its machine, can lose a deferred commit that no barrier covered yet: an
// offer that was pushed but whose change was not yet answered, as on SQLite after a power cut. A
// later commit that waits for its flush (an accept, any full transaction, on any instance) covers the
// ones before it, so nothing answered is lost and nothing built on a lost commit survives it.
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { SyncBarrier } from '../sync-barrier.js';

/** The number of flush_marks rows instances share (schema.ts, flushMarks). */
const SLOTS = 64;

export class FlushBarrier {
  private readonly barrier = new SyncBarrier(() => this.flush());
  /** Its own connection: a barrier never queues behind the requests' transactions. */
  private readonly pool: pg.Pool;
  private readonly slot = randomInt(SLOTS);

  constructor(url: string, onIdleError: (err: Error) => void) {
    this.pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
    this.pool.on('error', onIdleError);
  }

  /** How many barriers have committed (for the tests: commits made together share one). */
  get flushes(): number {
    return this.barrier.syncs;
  }

  /** Counts a commit made with synchronous_commit off; durable() waits for it from now on. */
  committed(): void {
    this.barrier.committed();
  }

  /** Resolves once every commit counted before this call is flushed; rejects when the barrier fails. */
  durable(): Promise<void> {
    return this.barrier.durable();
  }

  /** Waits for a barrier in progress, then closes the connection. */
  async close(): Promise<void> {
    await this.barrier.idle();
    await this.pool.end();
  }

  /**
   * Not tried again when it fails: a connection lost with it may mean PostgreSQL crashed, and a
   * barrier on the restarted server would succeed while the commits it was to cover were lost with
   * the crash. Their callers are told the error instead (their commits may or may not have survived).
   */
  private async flush(): Promise<void> {
    await this.pool.query({
      name: 'leadrace_flush_barrier',
      text: 'INSERT INTO flush_marks (slot, marks) VALUES ($1, 1) ON CONFLICT (slot) DO UPDATE SET marks = flush_marks.marks + 1',
      values: [this.slot],
    });
  }
}

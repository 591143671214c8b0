// Group commit for deferred durability (TransactionOptions.durability 'deferred'): commits are made
// without waiting for the disk and counted; `durable()` waits for one sync that began after every
// commit counted before the call. One sync covers every commit made before it started (a WAL is
// appended in order), so commits that arrive while one runs share the next: the sync never runs
// twice at once and never once per commit. Each store brings its own sync: SQLite fsyncs its WAL
// file on libuv's thread pool (sqlite/wal-sync.ts), PostgreSQL commits a transaction that waits for
// the WAL flush (postgres/flush-barrier.ts).
export class SyncBarrier {
  /** Commits counted so far (committed()), and how many of them are known to be on disk. */
  private made = 0;
  private synced = 0;
  /** The sync running now (runSync() records which commits it covers). */
  private running: Promise<void> | null = null;
  /** How many syncs have run (for the tests: commits made together share one). */
  syncs = 0;

  /** `sync`: makes every commit made before it was called durable; rejects when it cannot. */
  constructor(private readonly sync: () => Promise<void>) {}

  /** Counts a commit made without waiting for the disk; durable() waits for it from now on. */
  committed(): void {
    this.made++;
  }

  /** Resolves once every commit counted before this call is durable; rejects when the sync fails. */
  async durable(): Promise<void> {
    const target = this.made;
    while (this.synced < target) {
      if (this.running) {
        await this.running;
        continue;
      }
      this.running = this.runSync();
      try {
        await this.running;
      } finally {
        this.running = null;
      }
    }
  }

  /** Waits for a sync in progress to end (it may fail: that is its waiters' to hear). */
  async idle(): Promise<void> {
    await this.running?.catch(() => {});
  }

  private async runSync(): Promise<void> {
    const covers = this.made;
    await this.sync();
    this.syncs++;
    this.synced = Math.max(this.synced, covers);
  }
}

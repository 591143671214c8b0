// The WAL's fsync, off the event loop. better-sqlite3 is synchronous: with synchronous=FULL every
// COMMIT fsyncs the WAL on the event loop, and so does everything waiting behind it. That is about
// 0.25 ms a commit here, but on a busy virtual disk one fsync now and then takes 100-400 ms (the
// speed benchmark caught fsync(wal) at 405 ms with `perf trace`), and the whole server stood still
// for it: every lead in flight, every socket.
//
// A deferred transaction (TransactionOptions.durability) commits with synchronous=NORMAL instead:
// its frames are written to the WAL (the OS has them: a crash of the process loses nothing) but not
// synced. `durable()` then fsyncs the WAL on libuv's thread pool and resolves once every commit made
// before the call is on disk: what FULL would have done at the COMMIT, now later and off the loop.
// The counting and the one-sync-at-a-time are SyncBarrier's (../sync-barrier.ts, shared with
// PostgreSQL): an fsync of the WAL covers every commit made before it started, and commits that
// arrive while one runs share the next. An fsync of the WAL also covers the frames of earlier commits
// that skipped theirs, so a later FULL commit (SQLite's own fsync) makes every deferred one before it
// durable too.
import { close, fsync, open } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { SyncBarrier } from '../sync-barrier.js';

const openAsync = promisify(open);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

export class WalSync {
  private readonly barrier = new SyncBarrier(() => this.sync());
  private fd: Promise<number> | null = null;

  /** `walPath`: the database's `-wal` file; null (an in-memory database, or NORMAL by the operator's choice): nothing to wait for. */
  constructor(private readonly walPath: string | null) {}

  /** How many fsyncs of the WAL have run (for the tests: commits made together share one). */
  get fsyncs(): number {
    return this.barrier.syncs;
  }

  /** Counts a commit made with synchronous=NORMAL; durable() waits for it from now on. */
  committed(): void {
    if (this.walPath !== null) this.barrier.committed();
  }

  /** Resolves once every commit counted before this call is on disk; rejects when the fsync fails. */
  durable(): Promise<void> {
    return this.barrier.durable();
  }

  /** Waits for an fsync in progress, then closes the file. */
  async close(): Promise<void> {
    await this.barrier.idle();
    const fd = this.fd;
    this.fd = null;
    if (fd) await closeAsync(await fd).catch(() => {});
  }

  private async sync(): Promise<void> {
    this.fd ??= this.openWal();
    let fd: number;
    try {
      fd = await this.fd;
    } catch (err) {
      this.fd = null;
      throw err;
    }
    await fsyncAsync(fd);
  }

  /**
   * The WAL, opened once. It exists by the first commit and is never deleted while this connection
   * is open (SQLite deletes it when the last connection closes). Its directory is synced once too,
   * so that the file's own entry survives a power cut.
   */
  private async openWal(): Promise<number> {
    const walPath = this.walPath as string;
    const dir = await openAsync(dirname(walPath), 'r');
    try {
      await fsyncAsync(dir);
    } finally {
      await closeAsync(dir);
    }
    return openAsync(walPath, 'r');
  }
}

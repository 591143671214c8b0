// WAL checkpoints in a thread of their own. SQLite checkpoints on the connection that commits: once
// the WAL passes wal_autocheckpoint pages, a COMMIT also copies them into the database file and
// fsyncs it and the WAL, on the event loop. At 100 leads/s that was twice a second, and on a busy
// virtual disk those fsyncs now and then took 100-400 ms, with the whole server waiting (see
// wal-sync.ts for the commits' own fsync).
//
// So a worker thread with a connection of its own checkpoints every CHECKPOINT_INTERVAL_MS
// (checkpoint-worker.mjs), and the server's connection checkpoints itself only if the WAL grows past
// FALLBACK_PAGES. A PASSIVE checkpoint copies the frames there were when it began; SQLite starts the
// WAL over only once a checkpoint has copied all of them, so under writes that never pause (the intake
// benchmark's 1,300 leads/s) the worker's never catch up and the WAL grows. There the server's own
// checkpoint, at FALLBACK_PAGES, copies the little the worker has not and lets the WAL start over: at
// 10,000 pages the WAL grew to 40 MB and intake lost 5-15 %; at 2,000 it kept its rate. At 100 leads/s
// the worker's checkpoints finish between commits and the server's never run. A worker that fails
// gives the checkpoints back to the server's connection at SQLite's default size.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

const CHECKPOINT_INTERVAL_MS = 250;
/** The server's own checkpoints once the worker has one: 8 MB of WAL (SQLite's default is 1,000 pages). */
const FALLBACK_PAGES = 2_000;
const SQLITE_DEFAULT_PAGES = 1_000;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(client: Database.Database, onError: (message: string) => void = () => {}) {
    this.worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), {
      workerData: { path: client.name, intervalMs: CHECKPOINT_INTERVAL_MS },
      // No TypeScript loader, nor the server's flags: the worker is plain JavaScript.
      execArgv: [],
    });
    // Never what keeps a process alive: a store left open in a script still lets it end.
    this.worker.unref();
    client.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
    const giveBack = (why: string) => {
      onError(why);
      if (client.open) client.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    };
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error) onError(`WAL checkpoint failed: ${m.error}`);
    });
    this.worker.on('error', (err) => giveBack(`WAL checkpointer stopped: ${err.message}`));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        if (code !== 0) giveBack(`WAL checkpointer exited with code ${code}`);
        resolve();
      });
    });
  }

  /** Stops the worker (its connection closed) before the server's connection closes. */
  async stop(): Promise<void> {
    // Referenced again: otherwise a process with nothing else left would exit before the worker has.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}

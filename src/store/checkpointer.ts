// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
// pushes the WAL past 1,000 pages: it copies the WAL into the database file and fsyncs it, on the
// event loop, every ~30 single-lead commits (a lead writes ~36 pages). At 100 leads/s that was a
// 3-5 ms stall several times a second, landing on whichever lead committed then: the speed-to-lead
// tail (issue 6). Here a worker thread with its own connection runs PASSIVE checkpoints on a timer
// instead; PASSIVE never blocks the server's writes, and the server's connection no longer
// checkpoints. Durability is unchanged: a commit is durable once its WAL frames are synced.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints. The WAL holds at most about this long's worth of writes. */
const INTERVAL_MS = 200;

// Plain CommonJS, evaluated by the worker: no TypeScript loader is needed in the thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
// The checkpoint's own fsyncs follow this connection's setting: the same as the server's.
db.pragma('synchronous = ' + workerData.synchronous);
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the timer after one last checkpoint; resolves when the worker has closed its connection. */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `path` in a worker thread. The caller's connection must have
 * wal_autocheckpoint = 0 (else both would checkpoint, and the caller's still on the event loop).
 */
export function startCheckpointer(path: string, synchronous: number, events: {
  onError: (message: string) => void;
  /** The worker is gone without being stopped: the caller must checkpoint again itself. */
  onLost: () => void;
}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, synchronous, intervalMs: INTERVAL_MS } });
  // Never what keeps the process alive.
  worker.unref();
  let stopping = false;
  worker.on('message', (m: { error?: string }) => { if (m.error) events.onError(m.error); });
  worker.on('error', (err) => events.onError(err.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => {
    if (!stopping) events.onLost();
    resolve();
  }));
  return {
    stop(): Promise<void> {
      stopping = true;
      // Held open until the worker has closed its connection: otherwise, with nothing else left
      // to run, the process would exit mid-stop and skip whatever follows the await.
      worker.ref();
      worker.postMessage('stop');
      return exited;
    },
  };
}

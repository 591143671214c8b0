// The WAL checkpointer's thread (checkpointer.ts starts it). Plain JavaScript: a worker does not
// inherit the TypeScript loader in every host (vitest's workers), and this needs none.
//
// Its own connection copies the WAL's committed frames into the database file every `intervalMs`,
// with PRAGMA wal_checkpoint(PASSIVE): it never waits for the server's connection, which goes on
// writing while it runs, and it syncs the WAL before copying and the database file after (the
// synchronous setting below), so the server's connection may then start the WAL over.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = FULL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
}, workerData.intervalMs);

parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});

// Opens the SQLite database, applies the migrations in drizzle/ and seeds first-run defaults.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema>;

export interface DatabaseHandle {
  db: Db;
  sqlite: Database.Database;
  close(): void;
}

// Resolved from this module, not the working directory, so the server starts from anywhere.
const MIGRATIONS = fileURLToPath(new URL('../../../drizzle', import.meta.url));

export interface OpenOptions {
  /** FULL (default): every commit is fsynced. NORMAL: survives a process crash, not a power cut. */
  synchronous?: 'FULL' | 'NORMAL';
}

export function openDatabase(path: string, options: OpenOptions = {}): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  // WAL with synchronous=FULL: an acknowledged lead survives a power cut, not only a crash.
  // NORMAL (SQLITE_SYNCHRONOUS) skips the per-commit fsync: the operator's choice, not ours.
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  // Savepoint journals in memory, not a temp file: every routing change runs in a savepoint of its
  // group commit (services/lead-changes.ts), and the file made each one cost ~100 µs more.
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  seedDefaults(sqlite);
  return { db, sqlite, close: () => sqlite.close() };
}

/** First-run rows: the settings row and the three status codes a fresh install has. */
function seedDefaults(sqlite: Database.Database): void {
  sqlite.transaction(() => {
    sqlite.prepare('INSERT OR IGNORE INTO settings (id) VALUES (1)').run();
    const codes = sqlite.prepare('SELECT count(*) AS n FROM status_codes').get() as { n: number };
    if (codes.n === 0) {
      const insert = sqlite.prepare('INSERT INTO status_codes (name, position, is_default) VALUES (?, ?, ?)');
      insert.run('New', 1, 1);
      insert.run('Showing Houses', 2, 0);
      insert.run('Closed', 3, 0);
    }
  })();
}

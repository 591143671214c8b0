// Which store the end-to-end tests run on: SQLite by default, PostgreSQL with TEST_STORE=postgres
// (.ci/run runs the whole suite both ways). Tests name their database as a SQLite file path in a
// temporary folder, as they always have; on PostgreSQL that path stands for a fresh database of its
// own, created on first use and found again by the same path (a restart test starts a second server
// on the "same file"). The databases are dropped when the run ends (vitest globalSetup).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createTempDatabase } from './services.js';

export type TestStore = 'sqlite' | 'postgres';

export const TEST_STORE: TestStore = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** True for a DATABASE_URL that is a SQLite file path (not a server URL, not :memory:). */
const isFilePath = (v: string) => v !== ':memory:' && !/^[a-z][a-z0-9+.-]*:/i.test(v);

/**
 * The DATABASE_URL a server under test gets for `sqlitePath`: the path itself on SQLite; on
 * PostgreSQL a database made for it (its URL kept beside the path, in `<path>.postgres-url`).
 */
export async function databaseUrlFor(sqlitePath: string): Promise<string> {
  if (TEST_STORE === 'sqlite' || !isFilePath(sqlitePath)) return sqlitePath;
  const marker = `${sqlitePath}.postgres-url`;
  if (existsSync(marker)) return readFileSync(marker, 'utf8').trim();
  const db = await createTempDatabase();
  writeFileSync(marker, db.url);
  return db.url;
}

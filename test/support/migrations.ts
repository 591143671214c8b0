// Databases as they were before a migration: a copy of drizzle/ (or of drizzle/postgres/) whose journal
// stops just before it, for tests of what a migration does to the rows already there.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
/** PostgreSQL's migrations (migratePostgres takes the folder as an option). */
export const POSTGRES_MIGRATIONS = fileURLToPath(new URL('../../drizzle/postgres', import.meta.url));

/** A migrations folder in `dir` with every migration of `from` (SQLite's) before the one tagged `tag`. */
export function migrationsBefore(dir: string, tag: string, from = MIGRATIONS): string {
  const folder = join(dir, 'drizzle');
  cpSync(from, folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  if (at <= 0) throw new Error(`no migration ${tag} after the first`);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

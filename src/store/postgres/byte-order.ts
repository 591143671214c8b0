// Names sorted as SQLite sorts them: its BINARY collation compares the UTF-8 bytes, while PostgreSQL
// sorts text by the database's locale ("b" before "C" under en_US, after it under C). COLLATE "C"
// compares bytes under any locale, so the lists of offices, tags, groups and sources come out in the
// same order on both stores. These tables hold tens of rows: sorting without the name index costs nothing.
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/** `column` as an ORDER BY term in byte order. */
export const byteOrder = (column: AnyColumn): SQL => sql`${column} COLLATE "C"`;

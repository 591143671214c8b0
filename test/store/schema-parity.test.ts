// The two dialects' schema modules describe one database: the same tables, columns and indexes. The
// PostgreSQL schema may add what only PostgreSQL needs (listed here, each with its reason).
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pgSchema from '../../src/store/postgres/schema.js';
import * as sqliteSchema from '../../src/store/sqlite/schema.js';

/** Indexes only PostgreSQL has: none yet beyond the shared ones. */
const PG_ONLY_INDEXES = new Set<string>();
/**
 * Tables only PostgreSQL has. flush_marks: what a flush barrier writes so that its commit waits for the
 * WAL flush (postgres/flush-barrier.ts); SQLite fsyncs its WAL file instead (sqlite/wal-sync.ts).
 */
const PG_ONLY_TABLES = new Set(['flush_marks']);

function shape(tables: { name: string; columns: { name: string; notNull: boolean }[]; indexes: string[] }[]) {
  return Object.fromEntries(tables.map((t) => [t.name, {
    columns: t.columns.map((c) => `${c.name}${c.notNull ? ' not null' : ''}`).sort(),
    indexes: t.indexes.filter((i) => !PG_ONLY_INDEXES.has(i)).sort(),
  }]));
}

describe('schema parity', () => {
  it('SQLite and PostgreSQL have the same tables, columns (and nullability) and indexes', () => {
    const sqlite = (Object.values(sqliteSchema) as unknown[]).filter((v): v is SQLiteTable => v instanceof SQLiteTable).map((t) => {
      const c = sqliteTableConfig(t);
      return { name: c.name, columns: c.columns, indexes: c.indexes.map((i) => i.config.name) };
    });
    const pgTables = (Object.values(pgSchema) as unknown[]).filter((v): v is PgTable => v instanceof PgTable);
    // Each exemption names a table PostgreSQL really has.
    expect(pgTables.map((t) => pgTableConfig(t).name)).toEqual(expect.arrayContaining([...PG_ONLY_TABLES]));
    const pg = pgTables.filter((t) => !PG_ONLY_TABLES.has(pgTableConfig(t).name)).map((t) => {
      const c = pgTableConfig(t);
      return { name: c.name, columns: c.columns, indexes: c.indexes.map((i) => i.config.name ?? '') };
    });
    expect(sqlite.length).toBeGreaterThan(10);
    expect(shape(pg)).toEqual(shape(sqlite));
  });
});

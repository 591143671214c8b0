// Prepared statements for the hot path's writes and reads, run on the better-sqlite3 connection
// itself. Built from the drizzle table (its column names and value codecs), so the schema stays the
// one source of truth, but executed without drizzle's per-call work: drizzle fills placeholders into
// fresh arrays and maps every returned row through generic code, and in the intake profile that was
// ~130 µs of a lead's ~850 µs (issue 6). Here a statement is prepared once per shape, parameters are
// bound by position, and returned rows are decoded by one loop over the table's columns.
//
// A shape is which columns a write gives (and which of them are null): each gets one statement, made
// on first use. Omitted columns keep their SQL defaults, exactly as drizzle's insert would leave them.
import type Database from 'better-sqlite3';
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './database.js';
import { clientOf } from './transaction.js';

/** Shapes are few (they come from the code, not from input); this only guards against a leak. */
const MAX_SHAPES = 256;

interface Column {
  key: string;
  name: string;
  column: SQLiteColumn;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A table's columns with their SQL names, in declaration order, and the decoder of its rows. */
function tableCodec(table: SQLiteTable) {
  const columns: Column[] = Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, name: column.name, column }));
  const byKey = new Map(columns.map((c) => [c.key, c]));
  return {
    name: quote(getTableName(table)),
    columns,
    column(key: string): Column {
      const c = byKey.get(key);
      if (!c) throw new Error(`${getTableName(table)} has no column ${key}`);
      return c;
    },
    /** Every column, for SELECT and RETURNING: the order decode() expects. */
    list: columns.map((c) => quote(c.name)).join(', '),
    /** A raw result row (values in `list` order) as drizzle would have returned it. */
    decode(values: unknown[]): Record<string, unknown> {
      const row: Record<string, unknown> = {};
      let i = 0;
      for (const c of columns) {
        const v = values[i++];
        row[c.key] = v === null || v === undefined ? null : c.column.mapFromDriverValue(v);
      }
      return row;
    },
  };
}
type Codec = ReturnType<typeof tableCodec>;

const encode = (c: Column, value: unknown): unknown => c.column.mapToDriverValue(value);

/** One statement per shape of `row`: the non-null columns become positional parameters. */
function byShape(codec: Codec, make: (present: Column[], nulls: Column[]) => Database.Statement) {
  const cache = new Map<string, { statement: Database.Statement; present: Column[] }>();
  return (row: Record<string, unknown>): { statement: Database.Statement; params: unknown[] } => {
    let key = '';
    for (const k in row) {
      const v = row[k];
      if (v !== undefined) key += v === null ? `${k}=null,` : `${k},`;
    }
    let entry = cache.get(key);
    if (entry === undefined) {
      const present: Column[] = [];
      const nulls: Column[] = [];
      for (const k in row) {
        const v = row[k];
        if (v !== undefined) (v === null ? nulls : present).push(codec.column(k));
      }
      entry = { statement: make(present, nulls).raw(true), present };
      if (cache.size >= MAX_SHAPES) cache.clear();
      cache.set(key, entry);
    }
    const params: unknown[] = [];
    for (const c of entry.present) params.push(encode(c, row[c.key]));
    return { statement: entry.statement, params };
  };
}

/** INSERT of a partial row, returning the row as stored (defaults and id included). */
export function preparedInsert<T extends SQLiteTable>(db: Db, table: T): (row: T['$inferInsert']) => T['$inferSelect'] {
  const client = clientOf(db);
  const codec = tableCodec(table);
  const shaped = byShape(codec, (present, nulls) => {
    const cols = [...present, ...nulls];
    const values = [...present.map(() => '?'), ...nulls.map(() => 'NULL')];
    const columnsSql = cols.length === 0 ? 'DEFAULT VALUES' : `(${cols.map((c) => quote(c.name)).join(', ')}) VALUES (${values.join(', ')})`;
    return client.prepare(`INSERT INTO ${codec.name} ${columnsSql} RETURNING ${codec.list}`);
  });
  return (row) => {
    const { statement, params } = shaped(row as Record<string, unknown>);
    const values = statement.get(params) as unknown[] | undefined;
    if (!values) throw new Error(`insert into ${codec.name} returned nothing`);
    return codec.decode(values) as T['$inferSelect'];
  };
}

/** UPDATE of one row by its `id` column with a patch, returning the row after it (null: no such row). */
export function preparedUpdateById<T extends SQLiteTable>(db: Db, table: T): (id: number, patch: Partial<T['$inferInsert']>) => T['$inferSelect'] | null {
  const client = clientOf(db);
  const codec = tableCodec(table);
  const id = codec.column('id');
  const shaped = byShape(codec, (present, nulls) => {
    const sets = [...present.map((c) => `${quote(c.name)} = ?`), ...nulls.map((c) => `${quote(c.name)} = NULL`)];
    if (sets.length === 0) throw new Error(`an update of ${codec.name} needs at least one column`);
    return client.prepare(`UPDATE ${codec.name} SET ${sets.join(', ')} WHERE ${quote(id.name)} = ? RETURNING ${codec.list}`);
  });
  return (rowId, patch) => {
    const { statement, params } = shaped(patch as Record<string, unknown>);
    params.push(rowId);
    const values = statement.get(params) as unknown[] | undefined;
    return values ? codec.decode(values) as T['$inferSelect'] : null;
  };
}

/** A statement whose result rows are whole rows of the codec's table, in `list` order. */
function rowStatement<Row>(codec: Codec, statement: Database.Statement) {
  return {
    /** Parameters as better-sqlite3 takes them: positional values, or one object of named ones. */
    get(...params: unknown[]): Row | null {
      const values = statement.get(...params) as unknown[] | undefined;
      return values ? codec.decode(values) as Row : null;
    },
    all(...params: unknown[]): Row[] {
      return (statement.all(...params) as unknown[][]).map((v) => codec.decode(v) as Row);
    },
  };
}

/** SELECT of whole rows of `table`; `rest` is the SQL after FROM (a WHERE with `?` parameters, an ORDER BY). */
export function preparedSelect<T extends SQLiteTable>(db: Db, table: T, rest: string) {
  const codec = tableCodec(table);
  return rowStatement<T['$inferSelect']>(codec, clientOf(db).prepare(`SELECT ${codec.list} FROM ${codec.name} ${rest}`).raw(true));
}

/** A write of `table` (an UPDATE with `?` parameters, say) returning the whole rows it changed. */
export function preparedReturning<T extends SQLiteTable>(db: Db, table: T, write: string) {
  const codec = tableCodec(table);
  return rowStatement<T['$inferSelect']>(codec, clientOf(db).prepare(`${write} RETURNING ${codec.list}`).raw(true));
}

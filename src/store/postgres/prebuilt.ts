// Hot statements built once. drizzle builds a statement's SQL from its query builder at every call:
// walking the builder, asking each chunk what it is (drizzle's `is`, a prototype walk) and encoding each
// parameter. On the routing path that was a fifth of the server's CPU per lead on PostgreSQL (`npm run
// bench -- --store=postgres --profile=<dir>`), more than node-postgres and the socket writes together.
// A statement of one fixed shape is built here once, with placeholders (sql.placeholder) for its values,
// and run on whichever connection the caller's executor has: the pool, or an open transaction's. Its
// text is the same at every call, so it is a named statement, parsed once per connection.
import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { PgExecutor } from './context.js';

/** What drizzle's prepared query is to us: run with the placeholders' values. */
interface Executable<R> {
  execute(values: Record<string, unknown>): Promise<R>;
}

/** The connection an executor runs its statements on (drizzle's session keeps it as `client`). */
export function clientOf(db: PgExecutor): unknown {
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client;
  if (!client) throw new Error('a drizzle executor without a client: drizzle-orm changed its sessions (see prebuilt.ts)');
  return client;
}

/**
 * A statement built once by `build` (on the first executor that runs it; `build` must put
 * placeholders, never values, in it) and run on any executor's connection.
 */
let prebuiltCount = 0;

export class Prebuilt<R> {
  private built: Executable<R> | null = null;
  /** A named statement: parsed once per connection (node-postgres keeps track of which). */
  private readonly name = `leadrace_pb_${++prebuiltCount}`;

  constructor(private readonly build: (db: PgExecutor) => { prepare(name: string): Executable<R> }) {}

  run(db: PgExecutor, values: Record<string, unknown>): Promise<R> {
    this.built ??= this.build(db).prepare(this.name);
    // drizzle's prepared query holds the connection it was prepared on in `client` and reads everything
    // else (its text, its fields, its result mapping) from itself: an object inheriting all that, with
    // the caller's connection, is the same statement on that connection.
    const onClient = Object.create(this.built, { client: { value: clientOf(db) } }) as Executable<R>;
    return onClient.execute(values);
  }
}

/**
 * Statements whose shape depends on which optional values a call gives (an insert's columns): one
 * Prebuilt per shape, keyed by the given keys. Few shapes ever occur; more than `max` are built per call.
 */
export class PrebuiltShapes<R> {
  private readonly shapes = new Map<string, Prebuilt<R>>();

  constructor(
    private readonly build: (db: PgExecutor, keys: readonly string[]) => { prepare(name: string): Executable<R> },
    private readonly max = 16,
  ) {}

  run(db: PgExecutor, values: Record<string, unknown>): Promise<R> {
    const keys = Object.keys(values).filter((k) => values[k] !== undefined).sort();
    const key = keys.join(',');
    let shape = this.shapes.get(key);
    if (!shape) {
      shape = new Prebuilt((on) => this.build(on, keys));
      if (this.shapes.size < this.max) this.shapes.set(key, shape);
    }
    return shape.run(db, values);
  }
}

/** Renders a raw statement's SQL once per shape (SqlShapes). The schema names its columns itself: no casing. */
const dialect = new PgDialect();

/**
 * Raw statements (drizzle's sql`…`, not a query builder) of a few shapes, each rendered to its text
 * once, with placeholders (sql.placeholder) for its values: a call only fills in the values. For a
 * statement whose parts depend on the call (which CTEs it has), keyed by a string naming the shape;
 * past `max` shapes the rest are rendered at each call. The text goes to node-postgres as drizzle's
 * `execute` would send it, so it is named like any hot statement (statement-names.ts).
 */
export class SqlShapes<S> {
  private readonly rendered = new Map<string, { text: string; params: unknown[] }>();

  constructor(private readonly build: (shape: S) => SQL, private readonly max = 64) {}

  /** The text of `shape`'s statement (keyed by `key`) and its parameters filled from `values`. */
  query(key: string, shape: S, values: Record<string, unknown>): { text: string; values: unknown[] } {
    let done = this.rendered.get(key);
    if (!done) {
      const query = dialect.sqlToQuery(this.build(shape));
      done = { text: query.sql, params: query.params };
      if (this.rendered.size < this.max) this.rendered.set(key, done);
    }
    return { text: done.text, values: fillPlaceholders(done.params, values) };
  }
}

/**
 * Integers of any number as one int[] parameter (for `= ANY(…)`, `<> ALL(…)`, `unnest(…)`): a fixed
 * statement text whatever their count. Each goes through Number, so nothing but digits reaches the text.
 */
export const intArray = (xs: readonly number[]): SQL => sql`${intArrayText(xs)}::int[]`;

/** intArray's parameter: the array's text (for a placeholder's value, SqlShapes). */
export const intArrayText = (xs: readonly number[]): string => `{${xs.map(Number).join(',')}}`;

/** An int[] parameter's text that may hold NULLs. */
export const nullableIntArrayText = (xs: readonly (number | null)[]): string => `{${xs.map((x) => (x === null ? 'NULL' : String(Number(x)))).join(',')}}`;

/** Texts of any number as one text[] parameter: each element quoted, its quotes and backslashes escaped. */
export const textArray = (xs: readonly string[]): SQL => sql`${textArrayText(xs)}::text[]`;

/** textArray's parameter: the array's text (for a placeholder's value, SqlShapes). */
export const textArrayText = (xs: readonly string[]): string => `{${xs.map((x) => `"${x.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

/**
 * Rows of any number as one JSON parameter, for a fixed statement text whatever their count:
 * `INSERT … SELECT … FROM json_populate_recordset(NULL::<table>, $1::json)` reads them with the table's
 * column types. Keys are the columns' names; a column the row leaves out gets its static default
 * (`.default(…)` in the schema) or NULL. Times go as ISO 8601 (JSON.stringify of a Date).
 */
export function rowsJson(columns: Record<string, { name: string; default?: unknown }>, rows: readonly object[]): string {
  const entries = Object.entries(columns).filter(([, c]) => c.name !== 'id');
  return JSON.stringify(rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, column] of entries) {
      const value = (row as Record<string, unknown>)[key];
      const fallback = column.default;
      out[column.name] = value !== undefined ? value
        : fallback === undefined || (typeof fallback === 'object' && fallback !== null) ? null : fallback;
    }
    return out;
  }));
}

/** A row as a raw statement returns it (column names, drizzle's driver values), as drizzle maps it. */
export function rowMapper<R>(columns: Record<string, { name: string; mapFromDriverValue(value: unknown): unknown }>): (raw: Record<string, unknown>) => R {
  const entries = Object.entries(columns);
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (const [key, column] of entries) {
      const value = raw[column.name];
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return row as R;
  };
}

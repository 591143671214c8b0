// SQL on the database a test server runs on, for the few end-to-end tests that seed or check rows
// behind the server's back: the same test then asserts the same thing on SQLite and on PostgreSQL
// (TEST_STORE=postgres, test-database.ts). The tables and columns are the same on both; what differs
// is smoothed over here, so a test writes one statement:
// - placeholders are `?` (turned into $1, $2… on PostgreSQL; a `?` inside a string literal would be
//   too, so pass such text as a parameter);
// - rows come back in SQLite's shape: times as epoch milliseconds (timestamptz on PostgreSQL),
//   booleans as 1/0, counts and other bigints as numbers (node-postgres gives those as strings);
// - parameters may be Dates and booleans, written as timestamptz/boolean on PostgreSQL and as
//   milliseconds and 1/0 on SQLite.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/server/config.js';

export type SqlValue = string | number | boolean | Date | null;

export interface ServerSql {
  /** Which database this is, for the rare statement that has no common spelling. */
  readonly kind: DatabaseConfig['kind'];
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs one statement and resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  close(): Promise<void>;
}

const { builtins } = pg.types;

/** node-postgres's text parsers, changed so that rows read as SQLite's would. */
const sqliteShaped: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const base = pg.types.getTypeParser(oid, format ?? 'text') as (text: string) => unknown;
    switch (oid) {
      case builtins.INT8: return (text: string) => Number(text);
      case builtins.BOOL: return (text: string) => (base(text) === true ? 1 : 0);
      case builtins.TIMESTAMPTZ:
      case builtins.TIMESTAMP: return (text: string) => (base(text) as Date).getTime();
      default: return base;
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Opens a second connection to `database` (a test server's `config.database`). On SQLite the file
 * must exist already, so a test that names the wrong file fails instead of reading an empty one.
 */
export async function openServerSql(database: DatabaseConfig): Promise<ServerSql> {
  if (database.kind === 'sqlite') {
    const db = new Database(database.path, { fileMustExist: true });
    const bind = (params: readonly SqlValue[]) =>
      params.map((p) => (p instanceof Date ? p.getTime() : typeof p === 'boolean' ? (p ? 1 : 0) : p));
    return {
      kind: 'sqlite',
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => db.prepare(sql).all(...bind(params)) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) => db.prepare(sql).get(...bind(params)) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => db.prepare(sql).run(...bind(params)).changes,
      async close() { db.close(); },
    };
  }
  const client = new pg.Client({ connectionString: database.url, types: sqliteShaped });
  await client.connect();
  const query = async (sql: string, params: readonly SqlValue[]) => {
    let n = 0;
    return client.query(params.length === 0 ? sql : sql.replace(/\?/g, () => `$${++n}`), [...params]);
  };
  return {
    kind: 'postgres',
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql, params = []) => (await query(sql, params)).rowCount ?? 0,
    async close() { await client.end(); },
  };
}

/** Runs `use` on a connection to `database` and closes it whatever happens. */
export async function withServerSql<T>(database: DatabaseConfig, use: (db: ServerSql) => Promise<T>): Promise<T> {
  const db = await openServerSql(database);
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

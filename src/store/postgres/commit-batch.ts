// Statements sent with the COMMIT. node-postgres sends one statement per round trip, and a routing
// transaction's last write (its outbox rows) used to be a round trip of its own just before the COMMIT,
// inside the source's rotation lock, where every round trip holds up the source's next lead. A statement
// registered here (sendWithCommit) goes in the COMMIT's round trip instead: one simple query,
// "<statements>; commit". PostgreSQL runs a simple query's statements in order and stops at the first
// error, so a failing one leaves the COMMIT unrun and the transaction aborted: the query rejects and the
// transaction is rolled back, as if the statement had failed on its own.
//
// The statements are whole texts (a simple query has no parameters): values go in as literals, quoted by
// node-postgres's escapeLiteral. Only a transaction's top-level context may register one (PgContext
// .commitBatch): a savepoint rolled back would not take back what waits here.
import type pg from 'pg';

const PENDING = Symbol('leadrace.sendWithCommit');

interface Batching {
  [PENDING]?: string[];
}

/** Registers `statement` to run just before the open transaction on `client` commits, in the same round trip. */
export function sendWithCommit(client: pg.PoolClient, statement: string): void {
  const c = client as unknown as Batching;
  (c[PENDING] ??= []).push(statement);
}

const textOf = (config: unknown): string | null =>
  typeof config === 'object' && config !== null && typeof (config as { text?: unknown }).text === 'string'
    ? (config as { text: string }).text
    : typeof config === 'string' ? config : null;

/** Makes every connection the pool opens send its registered statements with its COMMIT. */
export function batchAtCommit(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const c = client as unknown as Batching & { query: (config: unknown, ...rest: unknown[]) => unknown };
    // Whatever query is installed by now (statement-names.ts wraps it first), called at each use.
    const inner = c.query.bind(client);
    c.query = (config, ...rest) => {
      const text = textOf(config)?.trim().toLowerCase();
      if (text === 'commit' && c[PENDING]?.length) {
        const statements = c[PENDING];
        c[PENDING] = [];
        // A simple query (no parameters): several statements in one round trip.
        return inner(`${statements.join(';\n')};\ncommit`, ...rest.filter((r) => typeof r === 'function'));
      }
      if (text === 'rollback') c[PENDING] = [];
      return inner(config, ...rest);
    };
  });
  // A connection goes back to the pool with nothing waiting (a transaction that ended some other way).
  pool.on('release', (_err: unknown, client: pg.PoolClient) => {
    (client as unknown as Batching)[PENDING] = [];
  });
}

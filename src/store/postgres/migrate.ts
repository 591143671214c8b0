// Applies the migrations in drizzle/postgres/ at start. Several instances starting at once on one
// database migrate it once: each takes the same session-level advisory lock first, so the others wait
// and then find nothing left to apply (drizzle's migrator skips what its journal table already holds).
// The lock is a session lock on a dedicated connection, released when the connection ends, so an
// instance that dies while migrating leaves nothing held (its transaction is rolled back with it).
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

// Resolved from this module, not the working directory, so the server starts from anywhere.
const MIGRATIONS = fileURLToPath(new URL('../../../drizzle/postgres', import.meta.url));

/** The advisory lock key every leadrace instance agrees on ("leadrace" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6c65616472616365n;

/**
 * Migrates the database at `url` to the newest schema, waiting for any other instance that is doing
 * the same. Returns how many migrations this call applied (0 when another instance got there first).
 */
export async function migratePostgres(url: string, options: { migrationsFolder?: string } = {}): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const before = await appliedCount(client);
    await migrate(drizzle(client), { migrationsFolder: options.migrationsFolder ?? MIGRATIONS });
    return (await appliedCount(client)) - before;
  } finally {
    // Ending the session releases the lock even if the unlock was never reached.
    await client.end();
  }
}

async function appliedCount(client: pg.Client): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('drizzle.__drizzle_migrations') AS t`);
  if (!exists.rows[0]?.t) return 0;
  const r = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
  return r.rows[0]?.n ?? 0;
}

// vitest globalSetup: names this run's PostgreSQL test databases (LEADRACE_TEST_RUN, inherited by the
// test workers) and drops whatever of them is left when the run ends: databases made for a server a
// test restarts (test-database.ts) outlive any one test, and a failed test may leave its own behind.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_URL, testDatabasePrefix } from './services.js';

export async function setup(): Promise<void> {
  process.env.LEADRACE_TEST_RUN ??= randomBytes(4).toString('hex');
}

export async function teardown(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch {
    return; // No PostgreSQL here: nothing was made on it.
  }
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [testDatabasePrefix()]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

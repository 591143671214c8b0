// The rows a store test's leads and messages point at (agents, sources, lead users), written straight into
// the tables of either store: a test of one store then depends on no other store of the port. Leads and
// offers are written through the port (store.leads), as the services write them.
import type { Store } from '../../src/store/port.js';
import type { PostgresStore } from '../../src/store/postgres/pg-store.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** Runs one statement with positional parameters ($1, $2, ... on both) on the store's own connection. */
async function run(store: Store, statement: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  if (store.dialect === 'postgres') return (await (store as PostgresStore).pool.query(statement, params)).rows as Record<string, unknown>[];
  const sqlite = (store as SqliteStore).sqlite;
  const prepared = sqlite.prepare(statement.replace(/\$\d+/g, '?'));
  const values = params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
  return prepared.reader ? prepared.all(...values) as Record<string, unknown>[] : (prepared.run(...values), []);
}

/** Agents 1..n (by name); their ids, ascending. */
export async function addAgents(store: Store, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 1; i <= n; i++) {
    const [row] = await run(store, "INSERT INTO users (name, email, role, handle) VALUES ($1, $2, 'AGENT', $3) RETURNING id",
      [`Agent ${i}`, `agent${i}@test.example`, `agent${i}`]);
    ids.push(Number(row?.id));
  }
  return ids;
}

/** Sources 1..n; their ids, ascending. */
export async function addSources(store: Store, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 1; i <= n; i++) {
    const [row] = await run(store, 'INSERT INTO lead_sources (name, public_key) VALUES ($1, $2) RETURNING id', [`Source ${i}`, `key-${i}`]);
    ids.push(Number(row?.id));
  }
  return ids;
}

/** The status codes every new database has, by position. */
export async function statusCodeIds(store: Store): Promise<number[]> {
  return (await run(store, 'SELECT id FROM status_codes ORDER BY position', [])).map((r) => Number(r.id));
}

export async function addLeadUser(store: Store, leadId: number, userId: number): Promise<void> {
  await run(store, 'INSERT INTO lead_users (lead_id, user_id) VALUES ($1, $2)', [leadId, userId]);
}

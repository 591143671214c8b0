// What the store port's test suite (test/store/port/) shares: rows written through the port itself, so
// that the same seed works on SQLite and PostgreSQL, and a way to make concurrent calls really concurrent.
import type { Store, Stores } from '../../src/store/port.js';
import type { LeadRow, LeadSourceWithOffices, NewUser, UserRow } from '../../src/store/rows.js';

let seq = 0;

/** A user with a unique email and handle; `overrides` win. */
export function seedUser(stores: Stores, overrides: Partial<NewUser> = {}): Promise<UserRow> {
  seq += 1;
  return stores.identity.insertUser({
    name: `Agent ${seq}`, email: `agent${seq}@brokerage.example`, handle: `agent${seq}`, role: 'AGENT', ...overrides,
  });
}

/** A lead source with a unique public key. */
export function seedSource(stores: Stores, name = 'Website', officeIds: readonly number[] = []): Promise<LeadSourceWithOffices> {
  seq += 1;
  return stores.sources.insertSource({ name, publicKey: `key-${seq}` }, officeIds);
}

/** A general lead of `sourceId`, still routing. */
export function seedLead(stores: Stores, sourceId: number, overrides: { phone?: string | null; externalId?: string; targetUserId?: number } = {}): Promise<LeadRow> {
  return stores.leads.insertLead({ sourceId, kind: 'GENERAL', state: 'ROUTING', firstName: 'Dana', ...overrides });
}

/**
 * Opens `n` connections before a test's concurrent calls (PostgreSQL's pool opens them on demand, one
 * after another, which would space the calls out and hide a race); nothing to do on SQLite.
 */
export async function openConnections(store: Store, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => store.ping()));
}

/** Runs raw SQL with `?` placeholders on either store (the tables and columns are the same). */
export async function rawSql(store: Store, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (store.dialect === 'sqlite') {
    const stmt = (store as unknown as { sqlite: import('better-sqlite3').Database }).sqlite.prepare(text);
    return stmt.reader ? stmt.all(...params) as Record<string, unknown>[] : (stmt.run(...params), []);
  }
  let n = 0;
  const pool = (store as unknown as { pool: import('pg').Pool }).pool;
  return (await pool.query(text.replace(/\?/g, () => `$${++n}`), params)).rows as Record<string, unknown>[];
}

let rawSeq = 0;

/** A source and `agents` agents, made with raw SQL so that only the store under test is used. */
export async function rawFixture(store: Store, agents: number): Promise<{ sourceId: number; agentIds: number[] }> {
  rawSeq++;
  const [source] = await rawSql(store, 'INSERT INTO lead_sources (name, public_key) VALUES (?, ?) RETURNING id', [`raw-S${rawSeq}`, `raw-key-${rawSeq}`]);
  const agentIds: number[] = [];
  for (let i = 0; i < agents; i++) {
    const [u] = await rawSql(store, "INSERT INTO users (name, email, role, handle) VALUES (?, ?, 'AGENT', ?) RETURNING id",
      [`A${rawSeq}-${i}`, `raw${rawSeq}-${i}@example.com`, `raw${rawSeq}x${i}`]);
    agentIds.push(Number(u?.id));
  }
  return { sourceId: Number(source?.id), agentIds };
}

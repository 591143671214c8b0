// The rollup tests' writes (lead-stats-fixture.ts) replayed on PostgreSQL: the same rows with the same ids,
// epoch milliseconds turned into timestamptz (a Date, which node-postgres sends to the millisecond), booleans
// as booleans. The rollup tables of either database as comparable rows. And the reference figures
// (lead-stats-reference.ts) counted from PostgreSQL's raw rows.
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { LeadStatsResult } from '../../src/services/lead-stats-service.js';
import type { StatsRange } from '../../src/store/lead-stats-rules.js';
import type { RollupOp } from './lead-stats-fixture.js';
import { ReferenceTally } from './lead-stats-reference.js';

const at = (ms: number) => new Date(ms);
const atOrNull = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Applies `op` on PostgreSQL as write() applied it on SQLite. */
export async function replayOp(client: pg.ClientBase, op: RollupOp): Promise<void> {
  switch (op.kind) {
    case 'insertLead':
      await client.query(`INSERT INTO leads (id, source_id, kind, state, status_code_id, first_name, created_at)
        VALUES ($1, $2, 'GENERAL', $3, $4, 'Lead', $5)`, [op.id, op.sourceId, op.state, op.statusCodeId, at(op.createdAt)]);
      return;
    case 'insertOffer':
      await client.query(`INSERT INTO offers (id, lead_id, agent_id, round, direct, state, offered_at, expires_at, responded_at)
        VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)`,
      [op.id, op.leadId, op.agentId, op.direct, op.state, at(op.offeredAt), at(op.expiresAt), atOrNull(op.respondedAt)]);
      return;
    case 'answerOffer':
      await client.query('UPDATE offers SET state = $1, responded_at = $2 WHERE id = $3', [op.state, at(op.respondedAt), op.id]);
      return;
    case 'setLeadState':
      await client.query('UPDATE leads SET state = $1, status_code_id = $2 WHERE id = $3', [op.state, op.statusCodeId, op.id]);
      return;
    case 'moveLead':
      await client.query('UPDATE leads SET source_id = $1, created_at = $2 WHERE id = $3', [op.sourceId, at(op.createdAt), op.id]);
      return;
    case 'moveOffer':
      await client.query('UPDATE offers SET agent_id = $1, offered_at = $2, responded_at = $3 WHERE id = $4',
        [op.agentId, at(op.offeredAt), atOrNull(op.respondedAt), op.id]);
      return;
    case 'deleteOffer':
      await client.query('DELETE FROM offers WHERE id = $1', [op.id]);
      return;
    case 'deleteLead':
      await client.query('DELETE FROM leads WHERE id = $1', [op.id]);
      return;
    case 'setLeadsCreatedIn':
      await client.query('UPDATE leads SET state = $1, status_code_id = $2 WHERE created_at >= $3 AND created_at < $4',
        [op.state, op.statusCodeId, at(op.from), at(op.to)]);
      return;
    case 'listPeriod':
      await client.query('INSERT INTO rollup_periods (span_days, period) VALUES ($1, $2) ON CONFLICT DO NOTHING', [op.spanDays, op.period]);
      return;
  }
}

/** Applies `ops` on PostgreSQL in one transaction (committed: the rollups are applied at commit). */
export async function replayTransaction(client: pg.ClientBase, ops: readonly RollupOp[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const op of ops) await replayOp(client, op);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}

/** The agents, sources and status codes SQLite has, with the same ids, so that replayed rows point at them. */
export async function copyReferencedRows(sqlite: Database.Database, client: pg.ClientBase): Promise<void> {
  const users = sqlite.prepare('SELECT id, name, email, role, handle FROM users ORDER BY id').all() as
    { id: number; name: string; email: string; role: string; handle: string }[];
  for (const u of users) {
    await client.query('INSERT INTO users (id, name, email, role, handle) VALUES ($1, $2, $3, $4, $5)', [u.id, u.name, u.email, u.role, u.handle]);
  }
  const sources = sqlite.prepare('SELECT id, name, public_key AS key FROM lead_sources ORDER BY id').all() as { id: number; name: string; key: string }[];
  for (const s of sources) await client.query('INSERT INTO lead_sources (id, name, public_key) VALUES ($1, $2, $3)', [s.id, s.name, s.key]);
  const codes = sqlite.prepare('SELECT id, name, position, is_default AS isDefault FROM status_codes ORDER BY id').all() as
    { id: number; name: string; position: number; isDefault: number }[];
  for (const c of codes) {
    await client.query('INSERT INTO status_codes (id, name, position, is_default) VALUES ($1, $2, $3, $4)', [c.id, c.name, c.position, c.isDefault === 1]);
  }
}

/** The five rollup tables, each with every column of its key and n. */
export const ROLLUP_TABLES = {
  lead_rollups: 'span_days, period, state, source_id, status_code_id, n',
  offer_rollups: 'span_days, period, agent_id, state, band, n',
  accept_time_rollups: 'span_days, period, bucket, n',
  response_time_rollups: 'span_days, period, agent_id, bucket, n',
  rollup_periods: 'span_days, period',
} as const;
export type RollupTable = keyof typeof ROLLUP_TABLES;

/** Every row of a rollup table as one string (columns in key order), sorted. */
const asSorted = (rows: Record<string, unknown>[], columns: string) =>
  rows.map((row) => JSON.stringify(columns.split(', ').map((c) => row[c]))).sort();

export function sqliteRollups(sqlite: Database.Database, table: RollupTable): string[] {
  return asSorted(sqlite.prepare(`SELECT ${ROLLUP_TABLES[table]} FROM ${table}`).all() as Record<string, unknown>[], ROLLUP_TABLES[table]);
}

export async function postgresRollups(client: pg.ClientBase, table: RollupTable): Promise<string[]> {
  return asSorted((await client.query<Record<string, unknown>>(`SELECT ${ROLLUP_TABLES[table]} FROM ${table}`)).rows, ROLLUP_TABLES[table]);
}


/**
 * The dashboard counted the slow, obvious way from PostgreSQL's leads and offers of `range` (as
 * referenceLeadStats counts SQLite's), read by id in chunks. Times leave the database as exact epoch
 * milliseconds (extract is numeric): nothing of the rollups' own arithmetic is used. `chunk` rows are read per
 * statement, so that a million leads are counted without holding them all at once.
 */
export async function postgresReferenceLeadStats(db: pg.ClientBase | pg.Pool, range: StatsRange, chunk = 50_000): Promise<LeadStatsResult> {
  const tally = new ReferenceTally();
  /** Every row of `select` (its first column the id) whose `column` is in the range, `chunk` at a time in id order. */
  async function eachRow<R extends [number, ...unknown[]]>(select: string, column: string, fn: (row: R) => void): Promise<void> {
    for (let after = 0; ;) {
      const { rows } = await db.query<R>({
        text: `${select} WHERE id > $1 AND ($2::timestamptz IS NULL OR ${column} >= $2) AND ($3::timestamptz IS NULL OR ${column} < $3)
          ORDER BY id LIMIT ${chunk}`,
        values: [after, range.from, range.to],
        rowMode: 'array',
      });
      rows.forEach(fn);
      const last = rows[rows.length - 1];
      if (!last || rows.length < chunk) return;
      after = last[0];
    }
  }
  await eachRow<[number, string, number, number | null]>('SELECT id, state, source_id, status_code_id FROM leads', 'created_at',
    ([, state, sourceId, statusCodeId]) => tally.lead(state, sourceId, statusCodeId));
  await eachRow<[number, number, string, boolean, number, number | null]>(`SELECT id, agent_id, state, direct,
      (extract(epoch FROM offered_at) * 1000)::float8, (extract(epoch FROM responded_at) * 1000)::float8 FROM offers`, 'offered_at',
  ([, agentId, state, direct, offeredAt, respondedAt]) => tally.offer(agentId, state, direct, offeredAt, respondedAt));
  return tally.result();
}
